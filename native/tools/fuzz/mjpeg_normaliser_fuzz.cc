// libFuzzer target for the MJPEG normaliser (DHT insertion, SOI/EOI checks) that every camera
// MJPEG frame goes through. Malformed input must end in turbocam::Error, never a memory error;
// accepted input must come out as SOI..EOI within the advertised capacity, and normalising the
// output again must change nothing.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "encoder/mjpeg_normaliser.h"
#include "error.h"

#define check(condition) ((condition) ? (void)0 : checkFailed(#condition, __LINE__))

namespace {

// A broken invariant aborts with the condition, so the fuzzer keeps the input as a crash.
void checkFailed(const char* condition, int line) {
  std::fprintf(stderr, "invariant failed at line %d: %s\n", line, condition);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const size_t capacity = turbocam::normalisedMjpegMaxSize(size);
  std::vector<uint8_t> out(capacity);
  size_t length = 0;
  try {
    length = turbocam::normaliseMjpeg(data, size, out.data(), out.size());
  } catch (const turbocam::Error& error) {
    check(error.code() == "ERR_CORRUPT_FRAME");
    return 0;
  }
  check(length >= 4 && length <= capacity);
  check(out[0] == 0xFF && out[1] == 0xD8 && out[length - 2] == 0xFF && out[length - 1] == 0xD9);

  std::vector<uint8_t> again(turbocam::normalisedMjpegMaxSize(length));
  const size_t againLength = turbocam::normaliseMjpeg(out.data(), length, again.data(), again.size());
  check(againLength == length);
  check(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(length), again.begin()));
  return 0;
}
