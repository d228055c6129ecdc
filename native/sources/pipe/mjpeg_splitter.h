// Splits a concatenated MJPEG byte stream (`ffmpeg -f mjpeg -`, `rpicam-vid --codec mjpeg -o -`)
// into JPEGs. It walks the marker segments (so an EOI inside an EXIF thumbnail does not end a
// frame) and then the entropy-coded data up to the real EOI, or up to the next SOI for cameras
// that send no EOI (the normaliser then repairs or rejects it). Bytes before an SOI are skipped and
// counted; a frame growing past the size limit is abandoned and counted. Pure: no I/O, no
// threads, so it can be fuzzed on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace turbocam {

class MjpegSplitter {
 public:
  explicit MjpegSplitter(size_t maxFrameSize = 32u << 20) : maxFrameSize_(maxFrameSize) {}

  // Appends input. Call nextFrame() until it returns false to collect the frames it completed.
  void push(const uint8_t* data, size_t size);
  // Moves the oldest complete frame into `frame` (SOI through EOI, or up to the next SOI).
  bool nextFrame(std::vector<uint8_t>* frame);
  // At the end of the input: hands over a last frame that had a scan but no EOI, if any.
  bool flush(std::vector<uint8_t>* frame);

  uint64_t skippedBytes() const { return skippedBytes_; }
  uint64_t oversizedFrames() const { return oversizedFrames_; }
  // Bytes held for a frame still incomplete.
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  enum class State { SeekSoi, Segments, Entropy };
  // Scans from pos_; returns true when a frame [start_, pos_) is complete.
  bool scan();
  void compact();

  size_t maxFrameSize_;
  std::vector<uint8_t> buffer_;
  size_t start_ = 0;  // first byte of the current frame (or of unscanned garbage)
  size_t pos_ = 0;    // scan position
  State state_ = State::SeekSoi;
  bool sawScan_ = false;  // the current frame has reached its first SOS
  uint64_t skippedBytes_ = 0;
  uint64_t oversizedFrames_ = 0;
};

}  // namespace turbocam
