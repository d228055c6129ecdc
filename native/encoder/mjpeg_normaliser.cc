#include "encoder/mjpeg_normaliser.h"

#include <cstring>
#include <string>

#include "encoder/scan_end.h"
#include "encoder/standard_huffman_tables.h"
#include "error.h"

namespace turbocam {

namespace {

constexpr uint8_t kSOI = 0xd8;
constexpr uint8_t kEOI = 0xd9;
constexpr uint8_t kSOS = 0xda;
constexpr uint8_t kDHT = 0xc4;
constexpr uint8_t kTEM = 0x01;

[[noreturn]] void corrupt(const std::string& why, size_t offset) {
  throw Error("ERR_CORRUPT_FRAME", "corrupt MJPEG frame: " + why + " at byte " + std::to_string(offset));
}

// Markers that stand alone, without a length: SOI, EOI, RST0..7, TEM.
bool standalone(uint8_t marker) {
  return marker == kSOI || marker == kEOI || marker == kTEM || (marker >= 0xd0 && marker <= 0xd7);
}

// SOF0..SOF15 minus DHT (C4), JPG (C8) and DAC (CC).
bool startOfFrame(uint8_t marker) {
  return marker >= 0xc0 && marker <= 0xcf && marker != kDHT && marker != 0xc8 && marker != 0xcc;
}

// End of the entropy-coded data that starts at `pos`: the offset of the next marker other than a
// stuffed zero or a restart marker.
size_t skipEntropyData(const uint8_t* src, size_t size, size_t pos) {
  while (pos < size) {
    const void* hit = std::memchr(src + pos, 0xff, size - pos);
    if (hit == nullptr) return size;
    pos = static_cast<size_t>(static_cast<const uint8_t*>(hit) - src);
    if (pos + 1 >= size) return size;
    const uint8_t next = src[pos + 1];
    if (next == 0x00 || (next >= 0xd0 && next <= 0xd7) || next == 0xff) {
      pos += next == 0xff ? 1 : 2;
      continue;
    }
    return pos;
  }
  return size;
}

}  // namespace

size_t normalisedMjpegMaxSize(size_t inputSize) {
  size_t dhtSize = 0;
  standardDhtSegment(&dhtSize);
  return inputSize + dhtSize + 2;  // + an EOI a repaired frame gets
}

size_t normaliseMjpeg(const uint8_t* src, size_t size, uint8_t* dst, size_t capacity, bool allowTruncated,
                      MjpegRepair* repair) {
  if (repair != nullptr) *repair = MjpegRepair::None;
  if (size < 4 || src[0] != 0xff || src[1] != kSOI) corrupt("no SOI marker", 0);
  size_t pos = 2;
  bool sawFrameHeader = false;
  bool sawDht = false;
  bool sawScan = false;
  size_t firstScan = 0;  // offset of the first SOS
  size_t floor = 0;      // end of the last segment parsed: trimming stops there
  size_t insertAt = 0;   // offset of the first SOS when tables must be inserted before it
  size_t end = 0;        // one past EOI, or past the data an appended EOI follows
  bool appendEoi = false;

  while (end == 0) {
    if (pos >= size && sawScan) {
      // The data ends without EOI. A complete scan gets its EOI; a cut one only when allowed.
      const ScanWalk walk = walkScan(src, size, firstScan);
      if (walk.result == ScanEnd::Complete) {
        end = walk.end;
        if (repair != nullptr) *repair = MjpegRepair::EoiAppended;
      } else {
        if (repair != nullptr) *repair = MjpegRepair::Truncated;
        if (!allowTruncated) corrupt("scan cut short, no EOI (truncated)", size);
        // Zero padding and a dangling 0xFF are not image data.
        end = size;
        while (end > floor && (src[end - 1] == 0x00 || src[end - 1] == 0xff)) end--;
      }
      appendEoi = true;
      break;
    }
    if (pos >= size) corrupt("truncated header", pos);
    if (src[pos] != 0xff) corrupt("expected a marker", pos);
    while (pos < size && src[pos] == 0xff) pos++;  // fill bytes
    if (pos >= size) {
      if (sawScan) continue;  // a dangling 0xFF after the scan: EOI missing, judged above
      corrupt("truncated marker", pos);
    }
    const uint8_t marker = src[pos++];
    if (marker == kEOI) {
      if (!sawScan) corrupt("EOI before any scan", pos - 2);
      end = pos;
      break;
    }
    if (marker == kSOI) corrupt("second SOI", pos - 2);
    if (standalone(marker)) continue;
    if (pos + 2 > size) corrupt("truncated segment length", pos);
    const size_t length = static_cast<size_t>(src[pos]) << 8 | src[pos + 1];
    if (length < 2 || pos + length > size) corrupt("truncated segment", pos - 2);
    if (marker == kDHT) sawDht = true;
    if (startOfFrame(marker)) sawFrameHeader = true;
    if (marker == kSOS) {
      if (!sawFrameHeader) corrupt("scan before the frame header", pos - 2);
      if (!sawScan) {
        firstScan = pos - 2;
        if (!sawDht) insertAt = pos - 2;
      }
      sawScan = true;
      floor = pos + length;
      pos = skipEntropyData(src, size, floor);
    } else {
      pos += length;
      floor = pos;
    }
  }

  // Whatever follows EOI (drivers pad with zeros to the buffer size) is trimmed: the image
  // itself is complete.
  size_t dhtSize = 0;
  const uint8_t* dht = standardDhtSegment(&dhtSize);
  const size_t outSize = end + (insertAt != 0 ? dhtSize : 0) + (appendEoi ? 2 : 0);
  if (capacity < outSize) {
    throw Error("ERR_INVALID_ARG", "normalised MJPEG needs " + std::to_string(outSize) + " bytes, capacity is " +
                                       std::to_string(capacity));
  }
  if (insertAt == 0) {
    std::memcpy(dst, src, end);
  } else {
    std::memcpy(dst, src, insertAt);
    std::memcpy(dst + insertAt, dht, dhtSize);
    std::memcpy(dst + insertAt + dhtSize, src + insertAt, end - insertAt);
  }
  if (appendEoi) {
    dst[outSize - 2] = 0xff;
    dst[outSize - 1] = kEOI;
  }
  return outSize;
}

}  // namespace turbocam
