// CLOCK_MONOTONIC in milliseconds: the clock of V4L2 timestamps and of process.hrtime.
#pragma once

#include <ctime>

namespace turbocam {

inline double monotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace turbocam
