// The ranges, defaults and checks of every option and argument turbocam takes, in one place (as
// sharp's lib/is): encode, openCamera and the CLI parser use these, so a limit and its message
// are written once. The addon checks again only what memory safety needs (and what the capture
// pipeline reaches without passing through here).
import { TurbocamError } from './errors.js';
import { PIXEL_FORMATS, SUBSAMPLINGS, type PixelFormatName, type Subsampling } from './types.js';

export interface Range {
  min: number;
  max: number;
  integer: boolean;
}

export const QUALITY = { min: 1, max: 100, integer: true, default: 80 } as const;
export const POSITIVE_INTEGER: Range = { min: 1, max: Number.POSITIVE_INFINITY, integer: true };
export const POSITIVE_NUMBER: Range = { min: Number.MIN_VALUE, max: Number.POSITIVE_INFINITY, integer: false };
/** Capture buffers: one for the driver to fill while another is encoded. */
export const BUFFERS: Range = { min: 2, max: Number.POSITIVE_INFINITY, integer: true };
/** Encoders a camera can use (openCamera `encoder`, --encoder). */
export const ENCODERS = ['cpu', 'm2m-image', 'm2m-video', 'auto'] as const;
export type EncoderName = (typeof ENCODERS)[number];
/** What a camera hands to JS (openCamera `output`): JPEG frames, raw frames, or both of one capture. */
export const OUTPUTS = ['jpeg', 'raw', 'both'] as const;
export type OutputName = (typeof OUTPUTS)[number];
/** What codes a camera's H.264 (openCamera `h264.encoder`, --h264-encoder; `none` is the CLI's off). */
export const H264_ENCODERS = ['auto', 'openh264', 'm2m'] as const;
/** Target bitrate, kbit/s (openCamera `h264.bitrateKbps`, --h264-bitrate). */
export const H264_BITRATE_KBPS = { min: 50, max: 100_000, integer: true, default: 2000 } as const;
/** Frames from one IDR to the next (`h264.keyframeInterval`, --h264-keyframe-interval); the
 *  default is two seconds of the source's frames. */
export const H264_KEYFRAME_INTERVAL = { min: 1, max: 10_000, integer: true } as const;
export const H264_KEYFRAME_SECONDS = 2;

/** Milliseconds without a frame before a device counts as stalled (openCamera, --device-timeout). */
export const DEVICE_TIMEOUT_MS = 5000;
/** Milliseconds between a persistent Camera's reopen attempts. */
export const RETRY_INTERVAL_MS = 1000;
/** Milliseconds a pausable source keeps encoding after the last viewer leaves (FrameHub, --pause-after). */
export const PAUSE_AFTER_MS = 3000;
/** testPattern's frame number. */
export const FRAME_INDEX: Range = { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true };

export function inRange(value: unknown, range: Range): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (range.integer && !Number.isInteger(value)) return false;
  return value >= range.min && value <= range.max;
}

/** "an integer in 1..100", "a positive number": what a range asks for, for messages. */
export function describeRange(range: Range): string {
  const article = range.integer ? 'an integer' : 'a number';
  if (range.max < Number.MAX_SAFE_INTEGER) return `${article} in ${range.min}..${range.max}`;
  if (range.min === Number.MIN_VALUE || (range.integer && range.min === 1)) return `a positive ${range.integer ? 'integer' : 'number'}`;
  return `${article} of at least ${range.min}`;
}

/** ERR_INVALID_ARG naming where, what and what was given. */
export function invalidArg(where: string, name: string, expected: string, actual: unknown): TurbocamError {
  return new TurbocamError(
    'ERR_INVALID_ARG',
    `${where}: \`${name}\` must be ${expected}, got ${typeof actual === 'string' ? `'${actual}'` : String(actual)}`,
  );
}

export function checkRange(where: string, name: string, value: unknown, range: Range): asserts value is number {
  if (!inRange(value, range)) throw invalidArg(where, name, describeRange(range), value);
}

export function isPixelFormat(value: unknown): value is PixelFormatName {
  return typeof value === 'string' && (PIXEL_FORMATS as readonly string[]).includes(value);
}

export function checkPixelFormat(where: string, value: unknown, allowAuto = false): asserts value is PixelFormatName {
  if (isPixelFormat(value) || (allowAuto && value === 'auto')) return;
  const known = allowAuto ? ['auto', ...PIXEL_FORMATS] : PIXEL_FORMATS;
  throw new TurbocamError('ERR_UNSUPPORTED_FORMAT', `${where}: unknown pixel format '${String(value)}' (one of ${known.join(', ')})`);
}

export function checkSubsampling(where: string, value: unknown): asserts value is Subsampling | undefined {
  if (value !== undefined && !(typeof value === 'string' && (SUBSAMPLINGS as readonly string[]).includes(value))) {
    throw invalidArg(where, 'subsampling', `one of ${SUBSAMPLINGS.join(', ')}`, value);
  }
}

export function checkObject(where: string, name: string, value: unknown): asserts value is object {
  if (typeof value !== 'object' || value === null) throw invalidArg(where, name, 'an object', value);
}

/** rotate (clockwise degrees) and flip, as encode() and openCamera() take them. */
export function checkOrientation(where: string, rotate: unknown, flip: unknown): void {
  if (rotate !== undefined && rotate !== 0 && rotate !== 90 && rotate !== 180 && rotate !== 270)
    throw invalidArg(where, 'rotate', '0, 90, 180 or 270', rotate);
  if (flip !== undefined && flip !== 'h' && flip !== 'v') throw invalidArg(where, 'flip', "'h' or 'v'", flip);
}

/** openCamera's `h264`: false (off), or any of encoder, device, bitrateKbps, keyframeInterval. */
export function checkH264(where: string, value: unknown): void {
  if (value === undefined || value === false) return;
  checkObject(where, 'h264', value);
  const { encoder, device, bitrateKbps, keyframeInterval, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined)
    throw invalidArg(where, `h264.${unknown}`, 'absent (h264 takes encoder, device, bitrateKbps, keyframeInterval)', rest[unknown]);
  if (encoder !== undefined && !(H264_ENCODERS as readonly unknown[]).includes(encoder))
    throw invalidArg(where, 'h264.encoder', H264_ENCODERS.join(', '), encoder);
  if (device !== undefined && (typeof device !== 'string' || device === ''))
    throw invalidArg(where, 'h264.device', 'a device path', device);
  if (bitrateKbps !== undefined) checkRange(where, 'h264.bitrateKbps', bitrateKbps, H264_BITRATE_KBPS);
  if (keyframeInterval !== undefined) checkRange(where, 'h264.keyframeInterval', keyframeInterval, H264_KEYFRAME_INTERVAL);
}

/** openCamera's `output`, and the format it needs: raw frames come only from a raw format. */
export function checkOutput(where: string, output: unknown, format: unknown): asserts output is OutputName | undefined {
  if (output === undefined) return;
  if (!(OUTPUTS as readonly unknown[]).includes(output)) throw invalidArg(where, 'output', OUTPUTS.join(', '), output);
  if (output !== 'jpeg' && format === 'mjpeg')
    throw invalidArg(where, 'format', `a raw format (or auto) for output '${String(output)}'`, format);
}
