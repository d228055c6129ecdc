// Where a baseline JPEG scan really ends, found by walking its Huffman-coded blocks (no IDCT, no
// pixels). Cameras that drop EOI need it twice: to tell a frame whose scan is complete (EOI
// missing, maybe zero padding after it) from one cut short inside the scan, and to know where
// to put the EOI. Pure, bounded by the input size, fuzzed through the normaliser.
#pragma once

#include <cstddef>
#include <cstdint>

namespace turbocam {

enum class ScanEnd {
  Complete,  // every MCU of the frame is coded in the data
  Cut,       // the data ends inside the scan
  Unknown,   // not a single-scan baseline frame, or the coding is invalid
};

struct ScanWalk {
  ScanEnd result = ScanEnd::Unknown;
  size_t end = 0;  // with Complete: one past the scan's last byte
};

// `sos` is the offset of the frame's first SOS marker (FF DA) in src; the headers before it are
// read for the frame size, sampling, Huffman tables and restart interval. Frames without DHT use
// the standard tables, as decoders do for MJPEG.
ScanWalk walkScan(const uint8_t* src, size_t size, size_t sos);

}  // namespace turbocam
