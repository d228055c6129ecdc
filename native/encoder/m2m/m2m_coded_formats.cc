#include "encoder/m2m/m2m_coded_formats.h"

#include <linux/videodev2.h>

namespace turbocam {

namespace {

constexpr M2mControl kJpegControls[] = {
    {V4L2_CID_JPEG_COMPRESSION_QUALITY, "jpeg-quality", ControlValue::Quality},
};
// A video encoder (the Pi's /dev/video11) codes to a bitrate; a GOP of one makes every frame a
// key frame, so each output decodes on its own like a JPEG and a viewer can join at any frame.
constexpr M2mControl kMjpegVideoControls[] = {
    {V4L2_CID_MPEG_VIDEO_BITRATE, "bitrate", ControlValue::QualityAsBitrate},
    {V4L2_CID_MPEG_VIDEO_GOP_SIZE, "gop-size", ControlValue::One},
};
// vicodec: every frame an I-frame, at the quality as its QP; as a video encoder, a bitrate too
// (vicodec has none: EINVAL, said in the stats), so the video table's mechanics run there.
constexpr M2mControl kFwhtControls[] = {
    {V4L2_CID_MPEG_VIDEO_GOP_SIZE, "gop-size", ControlValue::One},
    {V4L2_CID_FWHT_I_FRAME_QP, "fwht-i-frame-qp", ControlValue::QualityAsQp},
};
constexpr M2mControl kFwhtVideoControls[] = {
    {V4L2_CID_MPEG_VIDEO_BITRATE, "bitrate", ControlValue::QualityAsBitrate},
    {V4L2_CID_MPEG_VIDEO_GOP_SIZE, "gop-size", ControlValue::One},
    {V4L2_CID_FWHT_I_FRAME_QP, "fwht-i-frame-qp", ControlValue::QualityAsQp},
};
// No codec: vim2m converts RGB to YUYV, at the pace its default_transtime sets, which makes the
// test harness's stalled encoder. Nothing to set.
constexpr M2mControl kNoControls[1] = {};

template <size_t N>
constexpr M2mControlTable table(const M2mControl (&controls)[N]) {
  return {controls, N};
}
constexpr M2mControlTable kNone = {nullptr, 0};

// H.264 is one more row: V4L2_PIX_FMT_H264 with a video table (bitrate, H264_I_PERIOD, profile,
// level, REPEAT_SEQ_HEADER) and no image table.
constexpr M2mCodedFormat kCodedFormats[] = {
    {"jpeg", V4L2_PIX_FMT_JPEG, table(kJpegControls), kNone},
    {"mjpeg", V4L2_PIX_FMT_MJPEG, kNone, table(kMjpegVideoControls)},
    {"fwht", V4L2_PIX_FMT_FWHT, table(kFwhtControls), table(kFwhtVideoControls)},
    {"yuyv", V4L2_PIX_FMT_YUYV, {kNoControls, 0}, kNone},
};

}  // namespace

const M2mCodedFormat* findM2mCodedFormat(std::string_view name) {
  for (const auto& f : kCodedFormats)
    if (name == f.name) return &f;
  return nullptr;
}

int m2mControlValue(const M2mControl& control, int quality) {
  switch (control.value) {
    case ControlValue::Quality:
      return quality;
    case ControlValue::QualityAsQp:  // FWHT's QP runs 1 (best) to 31: quality 100 maps to 1, 1 to 31
      return 1 + (100 - quality) * 30 / 99;
    case ControlValue::QualityAsBitrate:
      // 200 kbit/s a quality point (80: 16 Mbit/s, about what 1080p30 MJPEG at that quality needs).
      return quality * 200000;
    case ControlValue::One:
      return 1;
  }
  return 1;
}

}  // namespace turbocam
