#include "formats/orient.h"

#include <cstring>

#include "error.h"

namespace turbocam {

Orientation orientationOf(int rotate, char flip) {
  if (flip != 0 && flip != 'h' && flip != 'v')
    throw Error("ERR_INVALID_ARG", std::string("flip wants h or v, got '") + flip + "'");
  const bool h = flip == 'h';
  const bool v = flip == 'v';
  switch (rotate) {
    case 0:
      return h ? Orientation::FlipH : v ? Orientation::FlipV : Orientation::None;
    case 90:
      return h ? Orientation::Transpose : v ? Orientation::Transverse : Orientation::Rot90;
    case 180:
      return h ? Orientation::FlipV : v ? Orientation::FlipH : Orientation::Rot180;
    case 270:
      return h ? Orientation::Transverse : v ? Orientation::Transpose : Orientation::Rot270;
    default:
      throw Error("ERR_INVALID_ARG", "rotate wants 0, 90, 180 or 270, got " + std::to_string(rotate));
  }
}

bool swapsAxes(Orientation o) {
  return o == Orientation::Transpose || o == Orientation::Rot90 || o == Orientation::Rot270 ||
         o == Orientation::Transverse;
}

const char* orientationName(Orientation o) {
  switch (o) {
    case Orientation::None:
      return "none";
    case Orientation::FlipH:
      return "flip-h";
    case Orientation::FlipV:
      return "flip-v";
    case Orientation::Rot180:
      return "rotate-180";
    case Orientation::Transpose:
      return "transpose";
    case Orientation::Rot90:
      return "rotate-90";
    case Orientation::Rot270:
      return "rotate-270";
    case Orientation::Transverse:
      return "transverse";
  }
  return "none";
}

namespace {

// Where source sample (x, y) lands: dst + origin + x * perX + y * perY (in bytes).
struct Walk {
  std::ptrdiff_t origin, perX, perY;
};

Walk walkOf(Orientation o, int w, int h, int bytes, size_t dstStride) {
  const std::ptrdiff_t b = bytes;
  const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(dstStride);
  const std::ptrdiff_t lastX = static_cast<std::ptrdiff_t>(w - 1);
  const std::ptrdiff_t lastY = static_cast<std::ptrdiff_t>(h - 1);
  switch (o) {
    case Orientation::None:
      return {0, b, row};
    case Orientation::FlipH:  // (w-1-x, y)
      return {lastX * b, -b, row};
    case Orientation::FlipV:  // (x, h-1-y)
      return {lastY * row, b, -row};
    case Orientation::Rot180:  // (w-1-x, h-1-y)
      return {lastY * row + lastX * b, -b, -row};
    case Orientation::Transpose:  // (y, x)
      return {0, row, b};
    case Orientation::Rot90:  // (h-1-y, x)
      return {lastY * b, row, -b};
    case Orientation::Rot270:  // (y, w-1-x)
      return {lastX * row, -row, b};
    case Orientation::Transverse:  // (h-1-y, w-1-x)
      return {lastX * row + lastY * b, -row, -b};
  }
  return {0, b, row};
}

}  // namespace

void orientPlane(const uint8_t* src, size_t step, size_t srcStride, int w, int h, int bytes, Orientation o,
                 uint8_t* dst, size_t dstStride) {
  const Walk walk = walkOf(o, w, h, bytes, dstStride);
  // Samples [x0, x1) of source line y to their places.
  auto run = [&](int y, int x0, int x1) {
    const uint8_t* __restrict s = src + static_cast<size_t>(y) * srcStride;
    uint8_t* __restrict d = dst + walk.origin + static_cast<std::ptrdiff_t>(y) * walk.perY;
    if (bytes == 1) {
      for (int x = x0; x < x1; x++) d[static_cast<std::ptrdiff_t>(x) * walk.perX] = s[static_cast<size_t>(x) * step];
    } else {
      for (int x = x0; x < x1; x++)
        std::memcpy(d + static_cast<std::ptrdiff_t>(x) * walk.perX, s + static_cast<size_t>(x) * step, 3);
    }
  };
  if (!swapsAxes(o)) {
    for (int y = 0; y < h; y++) run(y, 0, w);
    return;
  }
  // A source line becomes a destination column: done in tiles, so the destination lines being
  // written stay in cache instead of each sample touching a new one.
  constexpr int kTile = 32;
  for (int ty = 0; ty < h; ty += kTile) {
    const int yEnd = ty + kTile < h ? ty + kTile : h;
    for (int tx = 0; tx < w; tx += kTile) {
      const int xEnd = tx + kTile < w ? tx + kTile : w;
      for (int y = ty; y < yEnd; y++) run(y, tx, xEnd);
    }
  }
}

}  // namespace turbocam
