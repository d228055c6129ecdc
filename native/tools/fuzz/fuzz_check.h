// check(condition) for the fuzz targets: a broken invariant aborts with the condition and its
// line, so the fuzzer keeps the input as a crash (and the replay test names what broke).
#pragma once

#include <cstdio>
#include <cstdlib>

#define check(condition) ((condition) ? (void)0 : turbocam_fuzz::checkFailed(#condition, __LINE__))

namespace turbocam_fuzz {

[[noreturn]] inline void checkFailed(const char* condition, int line) {
  std::fprintf(stderr, "invariant failed at line %d: %s\n", line, condition);
  std::abort();
}

}  // namespace turbocam_fuzz
