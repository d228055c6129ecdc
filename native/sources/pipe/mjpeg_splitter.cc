#include "sources/pipe/mjpeg_splitter.h"

#include <cstring>

namespace turbocam {

void MjpegSplitter::push(const uint8_t* data, size_t size) {
  compact();
  buffer_.insert(buffer_.end(), data, data + size);
}

void MjpegSplitter::compact() {
  if (start_ == 0) return;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
  pos_ -= start_;
  start_ = 0;
}

bool MjpegSplitter::nextFrame(std::vector<uint8_t>* frame) {
  for (;;) {
    if (scan()) {
      if (pos_ - start_ > maxFrameSize_) {
        // Completed within one push but over the limit: dropped like one that grew past it.
        oversizedFrames_++;
        start_ = pos_;
        state_ = State::SeekSoi;
        continue;
      }
      frame->assign(buffer_.begin() + static_cast<std::ptrdiff_t>(start_),
                    buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
      start_ = pos_;
      state_ = State::SeekSoi;
      return true;
    }
    if (state_ != State::SeekSoi && pos_ - start_ > maxFrameSize_) {
      // Not a JPEG we can hold: drop what we have and look for the next SOI after it.
      oversizedFrames_++;
      start_ = pos_;
      state_ = State::SeekSoi;
      continue;
    }
    return false;
  }
}

bool MjpegSplitter::flush(std::vector<uint8_t>* frame) {
  if (state_ == State::SeekSoi || !sawScan_) return false;
  frame->assign(buffer_.begin() + static_cast<std::ptrdiff_t>(start_), buffer_.end());
  start_ = pos_ = buffer_.size();
  state_ = State::SeekSoi;
  sawScan_ = false;
  return true;
}

bool MjpegSplitter::scan() {
  const size_t end = buffer_.size();
  const uint8_t* b = buffer_.data();
  for (;;) {
    switch (state_) {
      case State::SeekSoi: {
        while (pos_ + 1 < end && !(b[pos_] == 0xFF && b[pos_ + 1] == 0xD8)) pos_++;
        skippedBytes_ += pos_ - start_;
        start_ = pos_;
        if (pos_ + 1 >= end) return false;
        pos_ += 2;
        state_ = State::Segments;
        sawScan_ = false;
        break;
      }
      case State::Segments: {
        // Fill bytes (0xFF runs) may precede a marker.
        while (pos_ + 1 < end && b[pos_] == 0xFF && b[pos_ + 1] == 0xFF) pos_++;
        if (pos_ + 1 >= end) return false;
        if (b[pos_] != 0xFF) {
          // Lost sync inside the headers: treat the frame as garbage and resynchronise.
          pos_ = start_ + 1;
          state_ = State::SeekSoi;
          break;
        }
        uint8_t marker = b[pos_ + 1];
        if (marker == 0xD9) {
          pos_ += 2;
          return true;
        }
        if (marker == 0xD8) {
          // A new SOI before this frame ended. After a scan, the frame just lacked EOI (some
          // cameras never send one): pass it on for the normaliser to repair or reject, and
          // start the next one here. Before any scan it is garbage.
          if (sawScan_) return true;
          skippedBytes_ += pos_ - start_;
          start_ = pos_;
          pos_ += 2;
          break;
        }
        if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
          pos_ += 2;
          break;
        }
        if (pos_ + 3 >= end) return false;
        size_t length = (static_cast<size_t>(b[pos_ + 2]) << 8) | b[pos_ + 3];
        if (length < 2) {
          pos_ = start_ + 1;
          state_ = State::SeekSoi;
          break;
        }
        if (pos_ + 2 + length - start_ > maxFrameSize_) {
          // A segment that cannot fit the limit: abandon the frame now, whatever has arrived of
          // it, and resynchronise after its marker (the result must not depend on chunking).
          oversizedFrames_++;
          pos_ += 2;
          start_ = pos_;
          state_ = State::SeekSoi;
          break;
        }
        if (pos_ + 2 + length > end) return false;
        pos_ += 2 + length;
        if (marker == 0xDA) {
          state_ = State::Entropy;
          sawScan_ = true;
        }
        break;
      }
      case State::Entropy: {
        // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or RSTn; anything else is a marker.
        while (pos_ + 1 < end) {
          // Entropy data is most of a JPEG: jump from one 0xFF to the next.
          const void* ff = std::memchr(b + pos_, 0xFF, end - 1 - pos_);
          if (!ff) {
            pos_ = end - 1;
            break;
          }
          pos_ = static_cast<size_t>(static_cast<const uint8_t*>(ff) - b);
          if (b[pos_] == 0xFF) {
            uint8_t next = b[pos_ + 1];
            if (next == 0x00 || (next >= 0xD0 && next <= 0xD7) || next == 0xFF) {
              pos_ += next == 0xFF ? 1 : 2;
              continue;
            }
            break;
          }
          pos_++;
        }
        if (pos_ + 1 >= end) return false;
        state_ = State::Segments;  // EOI, or another scan of a progressive JPEG
        break;
      }
    }
  }
}

}  // namespace turbocam
