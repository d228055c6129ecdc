#include "sources/testsrc/test_pattern.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "error.h"

namespace turbocam {

namespace {

constexpr int kMaxDimension = 16384;
constexpr size_t kCachedBackgrounds = 4;

struct Rgb {
  int r, g, b;
};
struct Yuv {
  uint8_t y, u, v;
};

uint8_t clamp8(int v) { return static_cast<uint8_t>(std::min(255, std::max(0, v))); }

// JFIF (BT.601 full range), in 16-bit fixed point: the conversion every JPEG decoder inverts.
Yuv toYuv(const Rgb& c) {
  const int y = (19595 * c.r + 38470 * c.g + 7471 * c.b + 32768) >> 16;
  const int u = ((-11059 * c.r - 21709 * c.g + 32768 * c.b + 32768) >> 16) + 128;
  const int v = ((32768 * c.r - 27439 * c.g - 5329 * c.b + 32768) >> 16) + 128;
  return {clamp8(y), clamp8(u), clamp8(v)};
}

// 75 % colour bars: white, yellow, cyan, green, magenta, red, blue, black; lifted off 0 so the
// noise below never clips and stays pure luma, as sensor noise mostly is.
constexpr Rgb kBars[8] = {{191, 191, 191}, {191, 191, 16}, {16, 191, 191}, {16, 191, 16},
                          {191, 16, 191},  {191, 16, 16},  {16, 16, 191},  {16, 16, 16}};

// Low-amplitude sensor-like noise, fixed per pixel: makes the encoder work as on a real image.
int noise(int x, int y) {
  uint32_t h = static_cast<uint32_t>(x) * 0x9e3779b1u ^ static_cast<uint32_t>(y) * 0x85ebca77u;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  return static_cast<int>(h % 9) - 4;
}

// Bars over the top two thirds, a grey ramp below, noise over both.
Rgb backgroundAt(int x, int y, int width, int height) {
  const int n = noise(x, y);
  if (y < height * 2 / 3) {
    const Rgb& bar = kBars[static_cast<size_t>(x) * 8 / static_cast<size_t>(width)];
    return {bar.r + n, bar.g + n, bar.b + n};
  }
  const int grey = width > 1 ? x * 255 / (width - 1) : 0;
  return {grey + n, grey + n, grey + n};
}

Rgb clamped(const Rgb& c) { return {clamp8(c.r), clamp8(c.g), clamp8(c.b)}; }

// Planes of a tight-stride frame in dst.
struct Planes {
  uint8_t* y;  // or the packed / interleaved first plane
  uint8_t* u;  // nv12: the CbCr plane
  uint8_t* v;
  size_t stride;
  size_t chromaStride;
};

Planes planesOf(PixelFormat format, int width, int height, uint8_t* dst) {
  const size_t stride = defaultStride(format, width);
  const size_t lumaSize = stride * static_cast<size_t>(height);
  const size_t chromaRows = static_cast<size_t>(height + 1) / 2;
  switch (format) {
    case PixelFormat::NV12:
      return {dst, dst + lumaSize, nullptr, stride, stride};
    case PixelFormat::I420:
      return {dst, dst + lumaSize, dst + lumaSize + stride / 2 * chromaRows, stride, stride / 2};
    default:
      return {dst, nullptr, nullptr, stride, 0};
  }
}

void renderBackground(PixelFormat format, int width, int height, uint8_t* dst) {
  const Planes p = planesOf(format, width, height, dst);
  for (int y = 0; y < height; y++) {
    uint8_t* line = p.y + static_cast<size_t>(y) * p.stride;
    for (int x = 0; x < width; x++) {
      const Rgb c = clamped(backgroundAt(x, y, width, height));
      switch (format) {
        case PixelFormat::RGB24:
          line[3 * x] = static_cast<uint8_t>(c.r), line[3 * x + 1] = static_cast<uint8_t>(c.g),
                   line[3 * x + 2] = static_cast<uint8_t>(c.b);
          break;
        case PixelFormat::BGR24:
          line[3 * x] = static_cast<uint8_t>(c.b), line[3 * x + 1] = static_cast<uint8_t>(c.g),
                   line[3 * x + 2] = static_cast<uint8_t>(c.r);
          break;
        case PixelFormat::YUYV:
        case PixelFormat::UYVY: {
          const bool yuyv = format == PixelFormat::YUYV;
          line[2 * x + (yuyv ? 0 : 1)] = toYuv(c).y;
          // Chroma of a pair is the mean of its two pixels.
          if (x % 2 == 0) {
            const Yuv a = toYuv(c);
            const Yuv b = toYuv(clamped(backgroundAt(std::min(x + 1, width - 1), y, width, height)));
            line[2 * x + (yuyv ? 1 : 0)] = static_cast<uint8_t>((a.u + b.u + 1) / 2);
            line[2 * x + (yuyv ? 3 : 2)] = static_cast<uint8_t>((a.v + b.v + 1) / 2);
          }
          break;
        }
        default:  // grey, nv12, i420: luma here, 4:2:0 chroma below
          line[x] = toYuv(c).y;
          break;
      }
    }
  }
  if (format != PixelFormat::NV12 && format != PixelFormat::I420) return;
  for (int cy = 0; cy < (height + 1) / 2; cy++) {
    for (int cx = 0; cx < width / 2; cx++) {
      int u = 0, v = 0, n = 0;
      for (int dy = 0; dy < 2 && 2 * cy + dy < height; dy++) {
        for (int dx = 0; dx < 2; dx++) {
          const Yuv s = toYuv(clamped(backgroundAt(2 * cx + dx, 2 * cy + dy, width, height)));
          u += s.u, v += s.v, n++;
        }
      }
      const uint8_t mu = static_cast<uint8_t>((u + n / 2) / n);
      const uint8_t mv = static_cast<uint8_t>((v + n / 2) / n);
      if (format == PixelFormat::NV12) {
        p.u[static_cast<size_t>(cy) * p.chromaStride + 2 * cx] = mu;
        p.u[static_cast<size_t>(cy) * p.chromaStride + 2 * cx + 1] = mv;
      } else {
        p.u[static_cast<size_t>(cy) * p.chromaStride + cx] = mu;
        p.v[static_cast<size_t>(cy) * p.chromaStride + cx] = mv;
      }
    }
  }
}

// A solid rectangle, clipped to the frame and snapped to even coordinates so subsampled chroma
// covers it exactly.
void fillRect(PixelFormat format, int width, int height, uint8_t* dst, int x, int y, int w, int h, const Rgb& colour) {
  int x0 = std::max(0, x) & ~1, y0 = std::max(0, y) & ~1;
  // Every format snaps alike, so all of them show the very same shapes.
  int x1 = std::min(width, x + w) & ~1, y1 = std::min(height, y + h) & ~1;
  if (x0 >= x1 || y0 >= y1) return;
  const Planes p = planesOf(format, width, height, dst);
  const Yuv c = toYuv(colour);
  for (int row = y0; row < y1; row++) {
    uint8_t* line = p.y + static_cast<size_t>(row) * p.stride;
    for (int col = x0; col < x1; col++) {
      switch (format) {
        case PixelFormat::RGB24:
          line[3 * col] = static_cast<uint8_t>(colour.r), line[3 * col + 1] = static_cast<uint8_t>(colour.g),
                   line[3 * col + 2] = static_cast<uint8_t>(colour.b);
          break;
        case PixelFormat::BGR24:
          line[3 * col] = static_cast<uint8_t>(colour.b), line[3 * col + 1] = static_cast<uint8_t>(colour.g),
                   line[3 * col + 2] = static_cast<uint8_t>(colour.r);
          break;
        case PixelFormat::YUYV:
          line[2 * col] = c.y;
          line[2 * col + 1] = col % 2 == 0 ? c.u : c.v;
          break;
        case PixelFormat::UYVY:
          line[2 * col + 1] = c.y;
          line[2 * col] = col % 2 == 0 ? c.u : c.v;
          break;
        default:
          line[col] = c.y;
          break;
      }
    }
    if (row % 2 != 0) continue;
    const size_t chromaLine = static_cast<size_t>(row / 2) * p.chromaStride;
    for (int col = x0; col < x1; col += 2) {
      if (format == PixelFormat::NV12) {
        p.u[chromaLine + col] = c.u;
        p.u[chromaLine + col + 1] = c.v;
      } else if (format == PixelFormat::I420) {
        p.u[chromaLine + col / 2] = c.u;
        p.v[chromaLine + col / 2] = c.v;
      }
    }
  }
}

// Seven-segment digits: segments a..g as bits 0..6.
constexpr uint8_t kDigitSegments[10] = {0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f};

void drawCounter(PixelFormat format, int width, int height, uint8_t* dst, uint64_t value) {
  const std::string digits = std::to_string(value);
  const int dh = std::max(16, height / 10) & ~1;
  const int dw = dh / 2;
  const int t = std::max(2, dh / 8) & ~1;
  const int gap = t * 2;
  const int margin = 2 * t;
  const int count = static_cast<int>(digits.size());
  fillRect(format, width, height, dst, 0, 0, 2 * margin + count * (dw + gap) - gap, 2 * margin + dh, {0, 0, 0});
  const Rgb on{255, 255, 255};
  const int half = dh / 2;
  for (int i = 0; i < count; i++) {
    const uint8_t seg = kDigitSegments[digits[static_cast<size_t>(i)] - '0'];
    const int ox = margin + i * (dw + gap), oy = margin;
    const struct {
      int x, y, w, h;
    } rects[7] = {{t, 0, dw - 2 * t, t},           {dw - t, 0, t, half},    {dw - t, half, t, dh - half},
                  {t, dh - t, dw - 2 * t, t},      {0, half, t, dh - half}, {0, 0, t, half},
                  {t, half - t / 2, dw - 2 * t, t}};
    for (int s = 0; s < 7; s++) {
      if (seg & (1 << s))
        fillRect(format, width, height, dst, ox + rects[s].x, oy + rects[s].y, rects[s].w, rects[s].h, on);
    }
  }
}

int bounce(uint64_t t, int range) {
  if (range <= 0) return 0;
  const uint64_t period = 2 * static_cast<uint64_t>(range);
  const int m = static_cast<int>(t % period);
  return m < range ? m : 2 * range - m;
}

// The static part of a frame, rendered once per (format, size): a frame is then one copy plus the
// box and the counter.
class BackgroundCache {
 public:
  std::shared_ptr<const std::vector<uint8_t>> get(PixelFormat format, int width, int height, size_t size) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const Entry& e : entries_) {
        if (e.format == format && e.width == width && e.height == height) return e.pixels;
      }
    }
    auto pixels = std::make_shared<std::vector<uint8_t>>(size);
    renderBackground(format, width, height, pixels->data());
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() >= kCachedBackgrounds) entries_.erase(entries_.begin());
    entries_.push_back(Entry{format, width, height, pixels});
    return pixels;
  }

 private:
  struct Entry {
    PixelFormat format;
    int width, height;
    std::shared_ptr<const std::vector<uint8_t>> pixels;
  };
  std::mutex mutex_;
  std::vector<Entry> entries_;
};

BackgroundCache& backgroundCache() {
  static BackgroundCache cache;
  return cache;
}

}  // namespace

size_t testPatternSize(PixelFormat format, int width, int height) {
  const PixelFormatInfo& info = formatInfo(format);
  if (format == PixelFormat::MJPEG)
    throw Error("ERR_UNSUPPORTED_FORMAT", "the test pattern renders raw formats, not mjpeg");
  if (width <= 0 || height <= 0 || width > kMaxDimension || height > kMaxDimension) {
    throw Error("ERR_INVALID_ARG", "test pattern size " + std::to_string(width) + "x" + std::to_string(height) +
                                       " is outside 1.." + std::to_string(kMaxDimension));
  }
  if (info.chromaSubsampledX && width % 2 != 0) {
    throw Error("ERR_INVALID_ARG", std::string(info.name) + " subsamples chroma horizontally: width " +
                                       std::to_string(width) + " must be even");
  }
  return minFrameSize(format, width, height, defaultStride(format, width));
}

void renderTestPattern(PixelFormat format, int width, int height, uint64_t frameIndex, uint8_t* dst) {
  const size_t size = testPatternSize(format, width, height);
  const auto background = backgroundCache().get(format, width, height, size);
  std::memcpy(dst, background->data(), size);
  const int box = std::max(8, std::min(width, height) / 5) & ~1;
  const int x = bounce(frameIndex * 6, width - box);
  const int y = bounce(frameIndex * 4, height - box);
  fillRect(format, width, height, dst, x, y, box, box, {255, 140, 0});
  fillRect(format, width, height, dst, x + box / 4, y + box / 4, box / 2, box / 2, {40, 80, 220});
  drawCounter(format, width, height, dst, frameIndex);
}

}  // namespace turbocam
