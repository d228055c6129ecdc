// The sequence parameter set read as far as the MP4 init segment and the browser need: the
// picture size (after cropping), profile and level (the `avc1.PPCCLL` codec string MSE asks
// for), chroma format and bit depths (the avcC record of High profiles carries them).
import { TurbocamError } from '../errors.js';

export interface SpsInfo {
  profileIdc: number;
  /** constraint_set0..5 flags and the two reserved bits, as one byte. */
  constraints: number;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** Displayed size: macroblocks times 16, less the cropping. */
  width: number;
  height: number;
  /** False for field or MBAFF coding (interlaced). */
  frameMbsOnly: boolean;
}

/** Profiles whose SPS carries chroma format, bit depths and scaling matrices (7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function bad(message: string): TurbocamError {
  return new TurbocamError('ERR_H264_STREAM', `H.264 SPS: ${message}`);
}

/** The RBSP of a NAL unit: its header byte dropped, each emulation-prevention 03 of 00 00 03 removed. */
export function unescapeRbsp(nal: Uint8Array, headerBytes = 1): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let length = 0;
  let zeros = 0;
  for (let i = headerBytes; i < nal.length; i++) {
    const byte = nal[i]!;
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

/** MSB-first bit reader with Exp-Golomb codes (9.1); reading past the end throws ERR_H264_STREAM. */
class Bits {
  private position = 0;
  constructor(private readonly data: Buffer) {}

  bit(): number {
    const byte = this.position >> 3;
    if (byte >= this.data.length) throw bad('truncated');
    const value = (this.data[byte]! >> (7 - (this.position & 7))) & 1;
    this.position += 1;
    return value;
  }

  bits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 2 + this.bit();
    return value;
  }

  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      zeros += 1;
      if (zeros > 31) throw bad('Exp-Golomb code longer than 32 bits');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  se(): number {
    const code = this.ue();
    return code % 2 === 1 ? (code + 1) / 2 : -(code / 2);
  }
}

function skipScalingList(bits: Bits, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + bits.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Parses an SPS NAL unit (header byte included, no start code). */
export function parseSps(nal: Uint8Array): SpsInfo {
  if (nal.length < 4 || ((nal[0] ?? 0) & 0x1f) !== 7) throw bad('not an SPS NAL unit');
  const bits = new Bits(unescapeRbsp(nal));
  const profileIdc = bits.bits(8);
  const constraints = bits.bits(8);
  const levelIdc = bits.bits(8);
  bits.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  let separateColourPlane = false;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = bits.ue();
    if (chromaFormatIdc > 3) throw bad(`chroma_format_idc ${chromaFormatIdc}`);
    if (chromaFormatIdc === 3) separateColourPlane = bits.bit() === 1;
    bitDepthLuma = bits.ue() + 8;
    bitDepthChroma = bits.ue() + 8;
    bits.bit(); // qpprime_y_zero_transform_bypass_flag
    if (bits.bit() === 1) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (bits.bit() === 1) skipScalingList(bits, i < 6 ? 16 : 64);
    }
  }
  bits.ue(); // log2_max_frame_num_minus4
  const pocType = bits.ue();
  if (pocType === 0) bits.ue();
  else if (pocType === 1) {
    bits.bit(); // delta_pic_order_always_zero_flag
    bits.se();
    bits.se();
    const cycle = bits.ue();
    if (cycle > 255) throw bad(`num_ref_frames_in_pic_order_cnt_cycle ${cycle}`);
    for (let i = 0; i < cycle; i++) bits.se();
  } else if (pocType !== 2) throw bad(`pic_order_cnt_type ${pocType}`);
  bits.ue(); // max_num_ref_frames
  bits.bit(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = bits.ue() + 1;
  const heightMapUnits = bits.ue() + 1;
  const frameMbsOnly = bits.bit() === 1;
  if (!frameMbsOnly) bits.bit(); // mb_adaptive_frame_field_flag
  bits.bit(); // direct_8x8_inference_flag
  let crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (bits.bit() === 1) crop = { left: bits.ue(), right: bits.ue(), top: bits.ue(), bottom: bits.ue() };
  // Cropping counts in chroma samples (7.4.2.1.1); ChromaArrayType 0 is monochrome or separate planes.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidth = chromaFormatIdc === 3 ? 1 : 2;
  const subHeight = chromaFormatIdc === 1 ? 2 : 1;
  const cropX = chromaArrayType === 0 ? 1 : subWidth;
  const cropY = (chromaArrayType === 0 ? 1 : subHeight) * (frameMbsOnly ? 1 : 2);
  const width = widthMbs * 16 - cropX * (crop.left + crop.right);
  const height = heightMapUnits * 16 * (frameMbsOnly ? 1 : 2) - cropY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0) throw bad(`cropping leaves ${width}x${height}`);
  return { profileIdc, constraints, levelIdc, chromaFormatIdc, bitDepthLuma, bitDepthChroma, width, height, frameMbsOnly };
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

/** The RFC 6381 codec string MSE's isTypeSupported and addSourceBuffer take: `avc1.42C01E`. */
export function codecString(info: SpsInfo): string {
  return `avc1.${hex(info.profileIdc)}${hex(info.constraints)}${hex(info.levelIdc)}`;
}

/** The AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1), the body of an avcC box:
 *  4-byte NAL lengths, one SPS and one PPS. */
export function avcDecoderConfiguration(sps: Buffer, pps: Buffer, info: SpsInfo = parseSps(sps)): Buffer {
  if (sps.length > 0xffff || pps.length > 0xffff) throw bad('parameter set longer than 65535 bytes');
  // The later editions' rule, as ffmpeg writes it: every profile but Baseline, Main and Extended.
  const high = ![66, 77, 88].includes(info.profileIdc);
  const out = Buffer.alloc(11 + sps.length + pps.length + (high ? 4 : 0));
  let at = 0;
  out[at++] = 1; // configurationVersion
  out[at++] = info.profileIdc;
  out[at++] = info.constraints;
  out[at++] = info.levelIdc;
  out[at++] = 0xfc | 3; // lengthSizeMinusOne: 4-byte lengths
  out[at++] = 0xe0 | 1; // one SPS
  out.writeUInt16BE(sps.length, at);
  sps.copy(out, at + 2);
  at += 2 + sps.length;
  out[at++] = 1; // one PPS
  out.writeUInt16BE(pps.length, at);
  pps.copy(out, at + 2);
  at += 2 + pps.length;
  if (high) {
    out[at++] = 0xfc | info.chromaFormatIdc;
    out[at++] = 0xf8 | (info.bitDepthLuma - 8);
    out[at++] = 0xf8 | (info.bitDepthChroma - 8);
    out[at++] = 0; // no SPS extensions
  }
  return out;
}
