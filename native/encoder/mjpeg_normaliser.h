// Camera MJPEG made servable: frames without Huffman tables (many UVC webcams omit DHT) get the
// standard tables of ITU-T T.81 Annex K inserted. A frame whose scan is complete but lacks EOI
// (the C920 on some hosts, ELP cameras) gets its EOI appended right after the scan; one cut
// short inside the scan is rejected unless truncated frames are allowed (µStreamer's
// --allow-truncated-frames). Frames without SOI, or without a complete header and scan start,
// are always rejected. Padding after EOI (drivers pad to the buffer size) is trimmed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace turbocam {

enum class MjpegRepair {
  None,
  EoiAppended,  // the scan was complete; EOI added after it
  Truncated,    // the scan was cut short: admitted with allowTruncated (EOI added), else thrown
};

// Capacity dst needs for normaliseMjpeg of an input of this size.
size_t normalisedMjpegMaxSize(size_t inputSize);

// Writes the normalised JPEG into dst and returns its length; throws turbocam::Error with code
// ERR_CORRUPT_FRAME for malformed input, and for a truncated scan unless allowTruncated. When
// `repair` is given it says what was done, also when the frame is then rejected as truncated.
size_t normaliseMjpeg(const uint8_t* src, size_t size, uint8_t* dst, size_t capacity, bool allowTruncated = false,
                      MjpegRepair* repair = nullptr);

}  // namespace turbocam
