// Camera MJPEG made servable: frames without Huffman tables (many UVC webcams omit DHT) get the
// standard tables of ITU-T T.81 Annex K inserted; frames without SOI or EOI are rejected.
// Trailing zero padding after EOI is tolerated and trimmed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace turbocam {

// Capacity dst needs for normaliseMjpeg of an input of this size.
size_t normalisedMjpegMaxSize(size_t inputSize);

// Writes the normalised JPEG into dst and returns its length; throws turbocam::Error with code
// ERR_CORRUPT_FRAME for truncated or malformed input.
size_t normaliseMjpeg(const uint8_t* src, size_t size, uint8_t* dst, size_t capacity);

}  // namespace turbocam
