// libFuzzer target for the MJPEG splitter of the stdin / FIFO / relay sources: the bytes arrive
// in chunks whose sizes the input chooses. Beyond memory errors it checks the splitter's
// contract: every frame runs SOI..EOI (or, lacking EOI, has reached a scan and stops before the
// next SOI), the held buffer stays bounded, and (when no frame can be
// oversized) the frames do not depend on how the stream was chunked.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "sources/pipe/mjpeg_splitter.h"
#include "tools/fuzz/fuzz_check.h"

namespace {

bool hasScan(const std::vector<uint8_t>& frame) {
  for (size_t i = 2; i + 1 < frame.size(); i++) {
    if (frame[i] == 0xFF && frame[i + 1] == 0xDA) return true;
  }
  return false;
}

std::vector<std::vector<uint8_t>> split(const uint8_t* data, size_t size, size_t maxFrame, uint8_t chunkSeed,
                                        turbocam::MjpegSplitter* splitter) {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint8_t> frame;
  size_t pos = 0;
  size_t chunk = 1 + chunkSeed % 64;
  while (pos < size) {
    const size_t n = size - pos < chunk ? size - pos : chunk;
    splitter->push(data + pos, n);
    pos += n;
    while (splitter->nextFrame(&frame)) {
      check(frame.size() >= 4 && frame.size() <= maxFrame);
      check(frame[0] == 0xFF && frame[1] == 0xD8);
      check((frame[frame.size() - 2] == 0xFF && frame[frame.size() - 1] == 0xD9) || hasScan(frame));
      frames.push_back(frame);
    }
    // What is held for an incomplete frame: at most the limit plus what one push added.
    check(splitter->buffered() <= maxFrame + n + 4);
    chunk = 1 + (chunk * 31 + chunkSeed) % 97;
  }
  return frames;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t chunkSeed = data[0];
  const size_t smallLimit = 64 + static_cast<size_t>(data[1]) * 16;
  data += 2;
  size -= 2;

  turbocam::MjpegSplitter bounded(smallLimit);
  const auto kept = split(data, size, smallLimit, chunkSeed, &bounded);
#ifdef TURBOCAM_FUZZ_REPLAY
  // What the replay test checks against each input's expected outcome under its small limit.
  std::printf("frames=%zu oversized=%llu", kept.size(), static_cast<unsigned long long>(bounded.oversizedFrames()));
#else
  (void)kept;
#endif

  // A limit above the input size: no frame is abandoned, so chunking must not change the result.
  const size_t bigLimit = size + 16;
  turbocam::MjpegSplitter whole(bigLimit);
  turbocam::MjpegSplitter chunked(bigLimit);
  std::vector<std::vector<uint8_t>> a;
  std::vector<uint8_t> frame;
  whole.push(data, size);
  while (whole.nextFrame(&frame)) a.push_back(frame);
  const auto b = split(data, size, bigLimit, chunkSeed, &chunked);
  check(a == b);
  check(whole.skippedBytes() == chunked.skippedBytes());
  return 0;
}
