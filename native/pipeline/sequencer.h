// Frames finish encoding out of order when workers run in parallel. The sequencer lets a frame
// through only when it is newer than every frame let through before; a late older one is dropped,
// so viewers never see time run backwards.
#pragma once

#include <cstdint>

namespace turbocam {

class Sequencer {
 public:
  // Not thread-safe on its own: the pipeline calls it under its delivery lock.
  bool admit(uint64_t sequence) {
    if (any_ && sequence <= last_) return false;
    any_ = true;
    last_ = sequence;
    return true;
  }

 private:
  bool any_ = false;
  uint64_t last_ = 0;
};

}  // namespace turbocam
