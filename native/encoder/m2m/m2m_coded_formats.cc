#include "encoder/m2m/m2m_coded_formats.h"

#include <linux/videodev2.h>

#include <algorithm>

// Older kernel headers (before 5.14) lack it; drivers that do not know it answer EINVAL.
#ifndef V4L2_CID_MPEG_VIDEO_PREPEND_SPSPPS_TO_IDR
#define V4L2_CID_MPEG_VIDEO_PREPEND_SPSPPS_TO_IDR (V4L2_CID_CODEC_BASE + 644)
#endif

namespace turbocam {

namespace {

constexpr M2mControl kJpegControls[] = {
    {V4L2_CID_JPEG_COMPRESSION_QUALITY, "jpeg-quality", ControlValue::Quality},
};
// A video encoder (the Pi's /dev/video11) codes to a bitrate; the JPEG workers ask for a GOP of
// one, so each output decodes on its own like a JPEG and a viewer can join at any frame.
constexpr M2mControl kMjpegVideoControls[] = {
    {V4L2_CID_MPEG_VIDEO_BITRATE, "bitrate", ControlValue::Bitrate},
    {V4L2_CID_MPEG_VIDEO_GOP_SIZE, "gop-size", ControlValue::KeyframeInterval},
};
// vicodec: every frame an I-frame, at the quality as its QP; as a video encoder, a bitrate too
// (vicodec has none: EINVAL, said in the stats) and the GOP asked for, so the video table's and
// a stream's mechanics run there.
constexpr M2mControl kFwhtControls[] = {
    {V4L2_CID_MPEG_VIDEO_GOP_SIZE, "gop-size", ControlValue::Constant, 1},
    {V4L2_CID_FWHT_I_FRAME_QP, "fwht-i-frame-qp", ControlValue::QualityAsQp},
};
constexpr M2mControl kFwhtVideoControls[] = {
    {V4L2_CID_MPEG_VIDEO_BITRATE, "bitrate", ControlValue::Bitrate},
    {V4L2_CID_MPEG_VIDEO_GOP_SIZE, "gop-size", ControlValue::KeyframeInterval},
    {V4L2_CID_FWHT_I_FRAME_QP, "fwht-i-frame-qp", ControlValue::QualityAsQp},
};
// H.264 for browsers (WebRTC and MSE both take Constrained Baseline): no B-frames, so units
// come out in the order frames went in; SPS and PPS before every IDR, so a viewer can start at
// any keyframe. The Pi's bcm2835-codec keys on I_PERIOD, others on GOP_SIZE: both are set, and
// the one a driver lacks is said in the stats.
constexpr M2mControl kH264Controls[] = {
    {V4L2_CID_MPEG_VIDEO_BITRATE, "bitrate", ControlValue::Bitrate},
    {V4L2_CID_MPEG_VIDEO_H264_I_PERIOD, "h264-i-period", ControlValue::KeyframeInterval},
    {V4L2_CID_MPEG_VIDEO_GOP_SIZE, "gop-size", ControlValue::KeyframeInterval},
    {V4L2_CID_MPEG_VIDEO_H264_PROFILE, "h264-profile", ControlValue::Constant,
     V4L2_MPEG_VIDEO_H264_PROFILE_CONSTRAINED_BASELINE},
    {V4L2_CID_MPEG_VIDEO_H264_LEVEL, "h264-level", ControlValue::H264Level},
    {V4L2_CID_MPEG_VIDEO_REPEAT_SEQ_HEADER, "repeat-seq-header", ControlValue::Constant, 1},
    {V4L2_CID_MPEG_VIDEO_PREPEND_SPSPPS_TO_IDR, "prepend-sps-pps-to-idr", ControlValue::Constant, 1},
    {V4L2_CID_MPEG_VIDEO_B_FRAMES, "b-frames", ControlValue::Constant, 0},
};
// No codec: vim2m converts RGB to YUYV, at the pace its default_transtime sets, which makes the
// test harness's stalled (and, as a stream, its slow) encoder. Nothing to set.
constexpr M2mControl kNoControls[1] = {};

template <size_t N>
constexpr M2mControlTable table(const M2mControl (&controls)[N]) {
  return {controls, N};
}
constexpr M2mControlTable kNone = {nullptr, 0};

// Each frame stands alone.
CodedUnitInfo inspectIntra(const uint8_t*, size_t) { return {}; }

// FWHT's frame header (big-endian words: two magics, version, width, height, flags) says whether
// it is an I-frame; vicodec's encoder flags no keyframes on its buffers.
CodedUnitInfo inspectFwht(const uint8_t* data, size_t length) {
  CodedUnitInfo info;
  if (length < 24) return info;
  const uint32_t flags = static_cast<uint32_t>(data[20]) << 24 | static_cast<uint32_t>(data[21]) << 16 |
                         static_cast<uint32_t>(data[22]) << 8 | data[23];
  info.keyframe = (flags & V4L2_FWHT_FL_I_FRAME) != 0;
  return info;
}

constexpr M2mCodedFormat kCodedFormats[] = {
    {"jpeg", V4L2_PIX_FMT_JPEG, table(kJpegControls), kNone, false, inspectIntra},
    {"mjpeg", V4L2_PIX_FMT_MJPEG, kNone, table(kMjpegVideoControls), false, inspectIntra},
    {"h264", V4L2_PIX_FMT_H264, kNone, table(kH264Controls), true, inspectH264},
    {"fwht", V4L2_PIX_FMT_FWHT, table(kFwhtControls), table(kFwhtVideoControls), false, inspectFwht},
    {"yuyv", V4L2_PIX_FMT_YUYV, {kNoControls, 0}, {kNoControls, 0}, false, inspectIntra},
};

struct H264LevelLimits {
  int level;         // V4L2_MPEG_VIDEO_H264_LEVEL_*
  long macroblocks;  // per second
  long frameSize;    // macroblocks
  long kbps;         // Baseline's MaxBR
};
// ITU-T H.264 Table A-1 (level 1b left out: 1.1 covers it).
constexpr H264LevelLimits kH264Levels[] = {
    {V4L2_MPEG_VIDEO_H264_LEVEL_1_0, 1485, 99, 64},          {V4L2_MPEG_VIDEO_H264_LEVEL_1_1, 3000, 396, 192},
    {V4L2_MPEG_VIDEO_H264_LEVEL_1_2, 6000, 396, 384},        {V4L2_MPEG_VIDEO_H264_LEVEL_1_3, 11880, 396, 768},
    {V4L2_MPEG_VIDEO_H264_LEVEL_2_0, 11880, 396, 2000},      {V4L2_MPEG_VIDEO_H264_LEVEL_2_1, 19800, 792, 4000},
    {V4L2_MPEG_VIDEO_H264_LEVEL_2_2, 20250, 1620, 4000},     {V4L2_MPEG_VIDEO_H264_LEVEL_3_0, 40500, 1620, 10000},
    {V4L2_MPEG_VIDEO_H264_LEVEL_3_1, 108000, 3600, 14000},   {V4L2_MPEG_VIDEO_H264_LEVEL_3_2, 216000, 5120, 20000},
    {V4L2_MPEG_VIDEO_H264_LEVEL_4_0, 245760, 8192, 20000},   {V4L2_MPEG_VIDEO_H264_LEVEL_4_1, 245760, 8192, 50000},
    {V4L2_MPEG_VIDEO_H264_LEVEL_4_2, 522240, 8704, 50000},   {V4L2_MPEG_VIDEO_H264_LEVEL_5_0, 589824, 22080, 135000},
    {V4L2_MPEG_VIDEO_H264_LEVEL_5_1, 983040, 36864, 240000},
};

}  // namespace

const M2mCodedFormat* findM2mCodedFormat(std::string_view name) {
  for (const auto& f : kCodedFormats)
    if (name == f.name) return &f;
  return nullptr;
}

int h264LevelFor(int width, int height, int fps, int bitrateKbps) {
  const long frame = static_cast<long>((width + 15) / 16) * ((height + 15) / 16);
  const long rate = frame * std::max(fps, 1);
  for (const auto& l : kH264Levels)
    if (rate <= l.macroblocks && frame <= l.frameSize && bitrateKbps <= l.kbps) return l.level;
  return V4L2_MPEG_VIDEO_H264_LEVEL_5_1;
}

CodedUnitInfo inspectH264(const uint8_t* data, size_t length) {
  CodedUnitInfo info;
  info.picture = info.keyframe = false;
  // Each NAL unit follows a 00 00 01 start code (the 4-byte form ends the same way). Parameter
  // sets come before the first slice, whose type settles the rest: the scan ends there.
  for (size_t i = 0; i + 3 < length; i++) {
    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) continue;
    const int type = data[i + 3] & 0x1f;
    if (type == 7) info.parameterSets = true;
    if (type == 1 || type == 5) {
      info.picture = true;
      info.keyframe = type == 5;
      break;
    }
    i += 3;
  }
  return info;
}

int m2mControlValue(const M2mControl& control, const M2mControlInputs& in) {
  switch (control.value) {
    case ControlValue::Quality:
      return in.quality;
    case ControlValue::QualityAsQp:  // FWHT's QP runs 1 (best) to 31: quality 100 maps to 1, 1 to 31
      return 1 + (100 - in.quality) * 30 / 99;
    case ControlValue::Bitrate:
      // Without a bitrate, 200 kbit/s a quality point (80: 16 Mbit/s, about what 1080p30 MJPEG at
      // that quality needs).
      return in.bitrateKbps > 0 ? in.bitrateKbps * 1000 : in.quality * 200000;
    case ControlValue::KeyframeInterval:
      return std::max(in.keyframeInterval, 1);
    case ControlValue::H264Level:
      return h264LevelFor(in.width, in.height, in.fps, in.bitrateKbps);
    case ControlValue::Constant:
      return control.constant;
  }
  return control.constant;
}

}  // namespace turbocam
