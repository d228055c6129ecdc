// The encoder as JS calls it: validates arguments, then hands frames to the addon, which encodes
// on a libuv worker thread (encode) or the calling thread (encodeSync) and returns a Buffer whose
// memory is the encoder's pooled output buffer (no copy), or, while JS still holds every pooled
// buffer (they return when the GC collects their Buffers), a copy of exactly the JPEG's bytes.
import { native, type NativeEncodeArgs, type NativeEncoderStats } from './native.js';
import type { Flip, PixelFormatName, RawPixelFormatName, Rotation, Subsampling } from './types.js';
import {
  checkObject,
  checkOrientation,
  checkPixelFormat,
  checkRange,
  checkSubsampling,
  FRAME_INDEX,
  invalidArg,
  POSITIVE_INTEGER,
  QUALITY,
} from './validate.js';

export interface EncodeOptions {
  width: number;
  height: number;
  /** The input's format; `mjpeg` input is normalised (DHT inserted, SOI/EOI checked), not re-encoded. */
  format: PixelFormatName;
  /** 1..100, default 80. Ignored for mjpeg input. */
  quality?: number;
  /** Output chroma subsampling. Default: 422 for yuyv/uyvy, gray for grey, 420 otherwise. */
  subsampling?: Subsampling;
  /** Bytes per line of the first plane when lines are padded; default: tight. */
  stride?: number;
  /** Clockwise rotation, then `flip`. Raw input is turned while it is repacked into planes (4:2:2
   *  turned 90 or 270 becomes 4:4:0); mjpeg input losslessly (no re-encode), its edges trimmed to
   *  whole MCUs where the rotation needs it. */
  rotate?: Rotation;
  flip?: Flip;
}

export interface TestPatternOptions {
  width: number;
  height: number;
  format: RawPixelFormatName;
  /** Frame number: moves the box and sets the counter. Default 0. */
  frame?: number;
}

/** Counters of the encoder's output-buffer pool and of rejected mjpeg frames. */
export type EncoderStats = NativeEncoderStats;

function encodeArgs(where: string, frame: unknown, options: unknown): NativeEncodeArgs {
  if (!(frame instanceof Uint8Array)) throw invalidArg(where, 'frame', 'a Buffer or Uint8Array', typeof frame);
  checkObject(where, 'options', options);
  const { width, height, format, quality = QUALITY.default, subsampling, stride, rotate = 0, flip } = options as Record<string, unknown>;
  checkRange(where, 'width', width, POSITIVE_INTEGER);
  checkRange(where, 'height', height, POSITIVE_INTEGER);
  checkPixelFormat(where, format);
  checkRange(where, 'quality', quality, QUALITY);
  checkSubsampling(where, subsampling);
  if (stride !== undefined) checkRange(where, 'stride', stride, POSITIVE_INTEGER);
  checkOrientation(where, rotate, flip);
  return [frame, width, height, format, quality, subsampling, stride, rotate as number, flip as Flip | undefined];
}

/** Encodes one raw frame to JPEG on a native worker thread (or normalises an mjpeg frame).
 *  Do not modify `frame` until the promise settles. Rejects with a coded Error:
 *  ERR_FRAME_SIZE, ERR_UNSUPPORTED_FORMAT, ERR_INVALID_ARG, ERR_CORRUPT_FRAME. */
export async function encode(frame: Uint8Array, options: EncodeOptions): Promise<Buffer> {
  return native.encode(...encodeArgs('encode', frame, options));
}

/** encode() on the calling thread, for scripts. */
export function encodeSync(frame: Uint8Array, options: EncodeOptions): Buffer {
  return native.encodeSync(...encodeArgs('encodeSync', frame, options));
}

/** One frame of the built-in test source (colour bars, gradient, moving box, frame counter) in
 *  any raw format, at tight stride. */
export function testPattern(options: TestPatternOptions): Buffer {
  checkObject('testPattern', 'options', options);
  const { width, height, format, frame = 0 } = options;
  checkRange('testPattern', 'width', width, POSITIVE_INTEGER);
  checkRange('testPattern', 'height', height, POSITIVE_INTEGER);
  checkPixelFormat('testPattern', format);
  checkRange('testPattern', 'frame', frame, FRAME_INDEX);
  return native.testPattern(width, height, format, frame);
}

/** Counters of the encoder's output-buffer pool and of rejected mjpeg frames. */
export function encoderStats(): EncoderStats {
  return native.encoderStats();
}
