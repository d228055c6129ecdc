// The planes a turned raw frame is compressed from, written straight from the camera's layout
// (formats/orient.h): one pass per plane, except packed 4:2:2 to 4:2:0, whose chroma is averaged
// first. Packed 4:2:2 turned on its side keeps all its chroma as 4:4:0.
#pragma once

#include <cstdint>
#include <vector>

#include "encoder/jpeg_encoder.h"

namespace turbocam {

// frame is valid (JpegEncoder::validate), s its resolved subsampling and interleavedSamp the
// TJSAMP_* for rgb24/bgr24/grey. The planes live in `planes` (and `unrotated`, for 4:2:0 from
// packed 4:2:2) until their next use.
OrientedPlanes orientPlanes(const RawFrame& frame, Subsampling s, int interleavedSamp, Orientation o,
                            std::vector<uint8_t>& planes, std::vector<uint8_t>& unrotated);

}  // namespace turbocam
