#include "encoder/scan_end.h"

#include <array>
#include <cstring>

#include "encoder/standard_huffman_tables.h"

namespace turbocam {

namespace {

constexpr int kLookahead = 9;

// A canonical Huffman table: codes up to 9 bits through one lookup, longer ones by length.
struct HuffmanTable {
  bool present = false;
  std::array<uint16_t, 1 << kLookahead> fast{};  // (length << 8) | symbol; 0: longer code
  std::array<int32_t, 18> maxCode{};             // largest code of each length, -1: none
  std::array<int32_t, 17> valueOffset{};
  std::array<uint8_t, 256> values{};
};

bool buildTable(const uint8_t* counts, const uint8_t* values, size_t valueCount, HuffmanTable* table) {
  size_t total = 0;
  for (int i = 0; i < 16; i++) total += counts[i];
  if (total > 256 || total != valueCount) return false;
  *table = HuffmanTable{};
  std::memcpy(table->values.data(), values, total);
  int32_t code = 0;
  int32_t k = 0;
  for (int length = 1; length <= 16; length++) {
    const int n = counts[length - 1];
    table->valueOffset[length] = k - code;
    table->maxCode[length] = n > 0 ? code + n - 1 : -1;
    for (int i = 0; i < n; i++, k++, code++) {
      if (code >= (1 << length)) return false;  // over-subscribed: not a prefix code
      if (length <= kLookahead) {
        const int shift = kLookahead - length;
        for (int fill = 0; fill < (1 << shift); fill++) {
          table->fast[static_cast<size_t>((code << shift) | fill)] = static_cast<uint16_t>(length << 8 | values[k]);
        }
      }
    }
    code <<= 1;
  }
  table->maxCode[17] = 0x7fffffff;
  table->present = true;
  return true;
}

// Reads DHT segment bodies into tables[class * 4 + id].
bool readDht(const uint8_t* p, size_t length, HuffmanTable* tables) {
  size_t at = 0;
  while (at < length) {
    if (at + 17 > length) return false;
    const uint8_t cls = p[at] >> 4;
    const uint8_t id = p[at] & 0x0f;
    if (cls > 1 || id > 3) return false;
    const uint8_t* counts = p + at + 1;
    size_t total = 0;
    for (int i = 0; i < 16; i++) total += counts[i];
    if (at + 17 + total > length) return false;
    if (!buildTable(counts, p + at + 17, total, &tables[cls * 4 + id])) return false;
    at += 17 + total;
  }
  return true;
}

// Entropy-coded bits: stuffed zeros removed; a marker (or the end of the data) yields zero bits
// that are counted, so reading past the real data shows.
class BitReader {
 public:
  BitReader(const uint8_t* src, size_t size, size_t pos) : src_(src), size_(size), pos_(pos) {}

  uint32_t peek16() {
    fill();
    return static_cast<uint32_t>(acc_ >> (bits_ - 16)) & 0xffff;
  }
  void skip(int n) { bits_ -= n; }
  uint32_t take(int n) {
    if (n == 0) return 0;
    fill();
    bits_ -= n;
    return static_cast<uint32_t>(acc_ >> bits_) & ((1u << n) - 1);
  }
  // True once a bit was taken that the data does not have.
  bool overran() const { return bits_ < padBits_; }

  // At a restart interval: drop the byte's padding bits and step over RSTn. False when the
  // data does not go on with one.
  bool restart() {
    acc_ = 0;
    bits_ = 0;
    padBits_ = 0;
    if (pos_ + 1 >= size_ || src_[pos_] != 0xff || (src_[pos_ + 1] & 0xf8) != 0xd0) return false;
    pos_ += 2;
    atMarker_ = false;
    return true;
  }

  // One past the last byte holding a bit that was taken.
  size_t end() const {
    const int realLeft = bits_ - padBits_;
    const uint64_t index = realBytes_ - 1 - static_cast<uint64_t>(realLeft / 8);
    return ends_[index % ends_.size()];
  }

 private:
  void fill() {
    while (bits_ <= 56) {
      uint8_t byte = 0;
      if (!atMarker_ && pos_ < size_) {
        byte = src_[pos_];
        if (byte != 0xff) {
          pos_++;
        } else if (pos_ + 1 < size_ && src_[pos_ + 1] == 0x00) {
          pos_ += 2;
        } else {
          atMarker_ = true;
        }
      } else {
        atMarker_ = true;
      }
      if (atMarker_) {
        byte = 0;
        padBits_ += 8;
      } else {
        ends_[realBytes_ % ends_.size()] = pos_;
        realBytes_++;
      }
      acc_ = acc_ << 8 | byte;
      bits_ += 8;
    }
  }

  const uint8_t* src_;
  size_t size_;
  size_t pos_;
  uint64_t acc_ = 0;
  int bits_ = 0;
  int padBits_ = 0;
  bool atMarker_ = false;
  uint64_t realBytes_ = 0;
  std::array<size_t, 16> ends_{};
};

// -1 for an invalid code.
int decode(BitReader& bits, const HuffmanTable& table) {
  const uint32_t peek = bits.peek16();
  const uint16_t fast = table.fast[peek >> (16 - kLookahead)];
  if (fast != 0) {
    bits.skip(fast >> 8);
    return fast & 0xff;
  }
  for (int length = kLookahead + 1; length <= 16; length++) {
    const int32_t code = static_cast<int32_t>(peek >> (16 - length));
    if (code <= table.maxCode[length]) {
      bits.skip(length);
      return table.values[static_cast<size_t>(code + table.valueOffset[length])];
    }
  }
  return -1;
}

// One 8x8 block's coefficients, skipped. False for invalid coding.
bool skipBlock(BitReader& bits, const HuffmanTable& dc, const HuffmanTable& ac) {
  const int s = decode(bits, dc);
  if (s < 0 || s > 11) return false;
  bits.take(s);
  for (int k = 1; k < 64;) {
    const int rs = decode(bits, ac);
    if (rs < 0) return false;
    const int run = rs >> 4;
    const int magnitude = rs & 15;
    if (magnitude == 0) {
      if (run != 15) break;  // end of block
      k += 16;
      continue;
    }
    k += run;
    if (k > 63) return false;
    bits.take(magnitude);
    k++;
  }
  return true;
}

struct Component {
  int id = 0;
  int h = 1;
  int v = 1;
  int dc = 0;
  int ac = 0;
};

}  // namespace

ScanWalk walkScan(const uint8_t* src, size_t size, size_t sos) {
  ScanWalk unknown;
  HuffmanTable tables[8];
  Component frame[4];
  int componentCount = 0;
  int width = 0;
  int height = 0;
  size_t restartInterval = 0;
  bool baseline = false;
  bool sawDht = false;

  // The headers between SOI and the SOS: the normaliser has already checked their framing.
  size_t pos = 2;
  while (pos < sos) {
    while (pos < sos && src[pos] == 0xff) pos++;
    if (pos + 3 > sos) return unknown;
    const uint8_t marker = src[pos++];
    const size_t length = static_cast<size_t>(src[pos]) << 8 | src[pos + 1];
    if (length < 2 || pos + length > sos) return unknown;
    const uint8_t* body = src + pos + 2;
    const size_t bodyLength = length - 2;
    if (marker == 0xc4) {
      if (!readDht(body, bodyLength, tables)) return unknown;
      sawDht = true;
    } else if (marker == 0xdd) {
      if (bodyLength < 2) return unknown;
      restartInterval = static_cast<size_t>(body[0]) << 8 | body[1];
    } else if (marker == 0xc0 || marker == 0xc1) {
      if (bodyLength < 6) return unknown;
      height = body[1] << 8 | body[2];
      width = body[3] << 8 | body[4];
      componentCount = body[5];
      if (body[0] != 8 || componentCount < 1 || componentCount > 4 ||
          bodyLength < 6 + 3 * static_cast<size_t>(componentCount))
        return unknown;
      for (int i = 0; i < componentCount; i++) {
        frame[i].id = body[6 + 3 * i];
        frame[i].h = body[7 + 3 * i] >> 4;
        frame[i].v = body[7 + 3 * i] & 15;
        if (frame[i].h < 1 || frame[i].h > 4 || frame[i].v < 1 || frame[i].v > 4) return unknown;
      }
      baseline = true;
    } else if (marker >= 0xc2 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
      return unknown;  // progressive, lossless, arithmetic: not walked
    }
    pos += length;
  }
  if (!baseline || width == 0 || height == 0) return unknown;
  if (!sawDht) {
    size_t dhtSize = 0;
    const uint8_t* dht = standardDhtSegment(&dhtSize);
    if (!readDht(dht + 4, dhtSize - 4, tables)) return unknown;
  }

  // The SOS header: which components, with which tables.
  if (sos + 4 > size) return unknown;
  const size_t sosLength = static_cast<size_t>(src[sos + 2]) << 8 | src[sos + 3];
  if (sosLength < 6 || sos + 2 + sosLength > size) return unknown;
  const uint8_t* scan = src + sos + 4;
  const int scanCount = scan[0];
  // One scan must carry the whole frame, sequentially (Ss 0, Se 63, no approximation).
  if (scanCount != componentCount || sosLength != static_cast<size_t>(6 + 2 * scanCount)) return unknown;
  if (scan[1 + 2 * scanCount] != 0 || scan[2 + 2 * scanCount] != 63 || scan[3 + 2 * scanCount] != 0) return unknown;
  int hMax = 1;
  int vMax = 1;
  for (int i = 0; i < componentCount; i++) {
    hMax = frame[i].h > hMax ? frame[i].h : hMax;
    vMax = frame[i].v > vMax ? frame[i].v : vMax;
  }
  Component order[4];
  for (int i = 0; i < scanCount; i++) {
    const int id = scan[1 + 2 * i];
    int found = -1;
    for (int c = 0; c < componentCount; c++) {
      if (frame[c].id == id) found = c;
    }
    if (found < 0) return unknown;
    order[i] = frame[found];
    order[i].dc = scan[2 + 2 * i] >> 4;
    order[i].ac = scan[2 + 2 * i] & 15;
    if (order[i].dc > 3 || order[i].ac > 3 || !tables[order[i].dc].present || !tables[4 + order[i].ac].present)
      return unknown;
  }

  // A single-component scan is not interleaved: one block per MCU, over the component's size.
  size_t mcus = 0;
  if (scanCount == 1) {
    const size_t cw = (static_cast<size_t>(width) * static_cast<size_t>(order[0].h) + static_cast<size_t>(hMax) - 1) /
                      static_cast<size_t>(hMax);
    const size_t ch = (static_cast<size_t>(height) * static_cast<size_t>(order[0].v) + static_cast<size_t>(vMax) - 1) /
                      static_cast<size_t>(vMax);
    mcus = ((cw + 7) / 8) * ((ch + 7) / 8);
    order[0].h = 1;
    order[0].v = 1;
  } else {
    const size_t mcuWidth = 8 * static_cast<size_t>(hMax);
    const size_t mcuHeight = 8 * static_cast<size_t>(vMax);
    mcus = ((static_cast<size_t>(width) + mcuWidth - 1) / mcuWidth) *
           ((static_cast<size_t>(height) + mcuHeight - 1) / mcuHeight);
  }

  BitReader bits(src, size, sos + 2 + sosLength);
  for (size_t mcu = 0; mcu < mcus; mcu++) {
    if (restartInterval != 0 && mcu != 0 && mcu % restartInterval == 0 && !bits.restart()) return {ScanEnd::Cut, 0};
    for (int i = 0; i < scanCount; i++) {
      for (int block = 0; block < order[i].h * order[i].v; block++) {
        if (!skipBlock(bits, tables[order[i].dc], tables[4 + order[i].ac])) {
          // Zeros past the end decode as valid codes; an invalid one inside the data is damage.
          return bits.overran() ? ScanWalk{ScanEnd::Cut, 0} : unknown;
        }
      }
    }
    // Bounded by the data: once past it, the frame is cut, however many MCUs it claims.
    if (bits.overran()) return {ScanEnd::Cut, 0};
  }
  return {ScanEnd::Complete, bits.end()};
}

}  // namespace turbocam
