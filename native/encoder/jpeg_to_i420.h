// An MJPEG camera's frames decoded to I420 (4:2:0 planes, tight), for the H.264 encoder, which
// takes nothing else: TurboJPEG decodes at the JPEG's own subsampling (4:2:2 for most webcams),
// then chroma is averaged down to 4:2:0. One per thread (a tjhandle is not thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace turbocam {

class JpegToI420 {
 public:
  JpegToI420();
  ~JpegToI420();
  JpegToI420(const JpegToI420&) = delete;
  JpegToI420& operator=(const JpegToI420&) = delete;

  // Decodes into out (resized to width * height * 3 / 2); false for a JPEG TurboJPEG cannot
  // read or one of odd width or height (4:2:0 needs even ones). Warnings (a frame cut short
  // inside its scan) still give the picture.
  bool decode(const uint8_t* jpeg, size_t length, std::vector<uint8_t>& out, int* width, int* height);

 private:
  void* handle_;                 // tjhandle
  std::vector<uint8_t> native_;  // the planes at the JPEG's own subsampling
};

}  // namespace turbocam
