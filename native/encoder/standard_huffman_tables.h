// The typical Huffman tables of ITU-T T.81 Annex K (K.3), as one ready-made DHT segment: what
// motion-JPEG cameras assume when they leave the tables out (as AVI1/MJPEG allows).
#pragma once

#include <cstddef>
#include <cstdint>

namespace turbocam {

// The complete segment, from its FF C4 marker to the last value byte.
const uint8_t* standardDhtSegment(size_t* size);

}  // namespace turbocam
