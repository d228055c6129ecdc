// libFuzzer target for the MJPEG normaliser (DHT insertion, SOI/EOI checks, the EOI repair and
// its scan walk) that every camera MJPEG frame goes through. Malformed input must end in
// turbocam::Error, never a memory error; accepted input must come out as SOI..EOI within the
// advertised capacity, with and without truncated frames allowed, and normalising the output
// again must change nothing.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <vector>

#include "encoder/mjpeg_normaliser.h"
#include "error.h"
#include "tools/fuzz/fuzz_check.h"

namespace {

// Normalises with or without truncated frames allowed; checks the output and what it reports.
size_t normalise(const uint8_t* data, size_t size, bool allowTruncated, std::vector<uint8_t>* out,
                 turbocam::MjpegRepair* repair, bool* rejected) {
  const size_t capacity = turbocam::normalisedMjpegMaxSize(size);
  out->assign(capacity, 0);
  *rejected = false;
  size_t length = 0;
  try {
    length = turbocam::normaliseMjpeg(data, size, out->data(), out->size(), allowTruncated, repair);
  } catch (const turbocam::Error& error) {
    check(error.code() == "ERR_CORRUPT_FRAME");
    // Only a frame with the flag off is ever rejected for being cut short.
    check(!(allowTruncated && *repair == turbocam::MjpegRepair::Truncated));
    *rejected = true;
    return 0;
  }
  check(length >= 4 && length <= capacity);
  check((*out)[0] == 0xFF && (*out)[1] == 0xD8 && (*out)[length - 2] == 0xFF && (*out)[length - 1] == 0xD9);
  check(allowTruncated || *repair != turbocam::MjpegRepair::Truncated);
  return length;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> strict;
  std::vector<uint8_t> lenient;
  turbocam::MjpegRepair strictRepair = turbocam::MjpegRepair::None;
  turbocam::MjpegRepair lenientRepair = turbocam::MjpegRepair::None;
  bool strictRejected = false;
  bool lenientRejected = false;
  const size_t strictLength = normalise(data, size, false, &strict, &strictRepair, &strictRejected);
  const size_t lenientLength = normalise(data, size, true, &lenient, &lenientRepair, &lenientRejected);
  // The flag only ever admits more, and changes nothing about what was admitted without it.
  check(strictRejected || !lenientRejected);
  check(strictRepair == lenientRepair);
  if (!strictRejected) {
    check(strictLength == lenientLength);
    check(std::equal(strict.begin(), strict.begin() + static_cast<std::ptrdiff_t>(strictLength), lenient.begin()));
  }
  if (lenientRejected) return 0;

  // The output is final: normalising it again changes nothing and repairs nothing.
  std::vector<uint8_t> again(turbocam::normalisedMjpegMaxSize(lenientLength));
  turbocam::MjpegRepair againRepair = turbocam::MjpegRepair::None;
  const size_t againLength =
      turbocam::normaliseMjpeg(lenient.data(), lenientLength, again.data(), again.size(), false, &againRepair);
  check(againRepair == turbocam::MjpegRepair::None);
  check(againLength == lenientLength);
  check(std::equal(lenient.begin(), lenient.begin() + static_cast<std::ptrdiff_t>(lenientLength), again.begin()));
  return 0;
}
