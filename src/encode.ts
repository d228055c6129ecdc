// The encoder as JS calls it: validates arguments, then hands frames to the addon, which encodes
// on a libuv worker thread (encode) or the calling thread (encodeSync) and returns a Buffer whose
// memory is the encoder's pooled output buffer (no copy), or, while JS still holds every pooled
// buffer (they return when the GC collects their Buffers), a copy of exactly the JPEG's bytes.
import { codedError } from './errors.js';
import { native } from './native.js';
import type { Flip, PixelFormatName, RawPixelFormatName, Rotation, Subsampling } from './types.js';

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

export interface EncoderStats {
  /** The bounded pool of output buffers that encoded Buffers borrow. */
  pool: {
    capacity: number;
    allocated: number;
    leased: number;
    idle: number;
    /** Pooled buffers ever lent (zero-copy frames). */
    leases: number;
    /** Frames served as a copy of exactly the JPEG's bytes because every pooled buffer was out. */
    copies: number;
    /** JPEGs that outgrew their predicted buffer (TurboJPEG grew it; the pool keeps the new size). */
    grown: number;
    bytes: number;
  };
  /** mjpeg frames rejected as truncated or malformed. */
  corruptFrames: number;
}

// The native table is the one list of formats.
const FORMATS: readonly string[] = native.formats.map((format) => format.name);
const SUBSAMPLINGS: readonly string[] = ['444', '422', '420', 'gray'];

function invalid(message: string): Error {
  return codedError('ERR_INVALID_ARG', message);
}

function checkDimension(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalid(`${name} must be a positive integer, got ${String(value)}`);
  }
}

function checkFormat(value: unknown): asserts value is PixelFormatName {
  if (typeof value !== 'string') throw invalid(`format must be a string, got ${typeof value}`);
  if (!FORMATS.includes(value)) {
    throw codedError('ERR_UNSUPPORTED_FORMAT', `unknown pixel format '${value}' (one of ${FORMATS.join(', ')})`);
  }
}

type NativeEncodeArgs = [Uint8Array, number, number, string, number, string | undefined, number | undefined, number, string | undefined];

/** Checks rotate and flip (API and CLI share it). */
export function checkOrientation(rotate: unknown, flip: unknown): void {
  if (rotate !== undefined && rotate !== 0 && rotate !== 90 && rotate !== 180 && rotate !== 270) throw invalid(`rotate must be 0, 90, 180 or 270, got ${String(rotate)}`);
  if (flip !== undefined && flip !== 'h' && flip !== 'v') throw invalid(`flip must be 'h' or 'v', got ${String(flip)}`);
}

function encodeArgs(frame: unknown, options: unknown): NativeEncodeArgs {
  if (!(frame instanceof Uint8Array)) throw invalid('frame must be a Buffer or Uint8Array');
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const { width, height, format, quality = 80, subsampling, stride, rotate = 0, flip } = options as Record<string, unknown>;
  checkDimension('width', width);
  checkDimension('height', height);
  checkFormat(format);
  if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw invalid(`quality must be an integer in 1..100, got ${String(quality)}`);
  }
  if (subsampling !== undefined && (typeof subsampling !== 'string' || !SUBSAMPLINGS.includes(subsampling))) {
    throw invalid(`subsampling must be one of ${SUBSAMPLINGS.join(', ')}, got ${String(subsampling)}`);
  }
  if (stride !== undefined) checkDimension('stride', stride);
  checkOrientation(rotate, flip);
  return [frame, width, height, format, quality, subsampling as string | undefined, stride as number | undefined, rotate as number, flip as string | undefined];
}

/** Encodes one raw frame to JPEG on a native worker thread (or normalises an mjpeg frame).
 *  Do not modify `frame` until the promise settles. Rejects with a coded Error:
 *  ERR_FRAME_SIZE, ERR_UNSUPPORTED_FORMAT, ERR_INVALID_ARG, ERR_CORRUPT_FRAME. */
export async function encode(frame: Uint8Array, options: EncodeOptions): Promise<Buffer> {
  return native.encode(...encodeArgs(frame, options));
}

/** encode() on the calling thread, for scripts. */
export function encodeSync(frame: Uint8Array, options: EncodeOptions): Buffer {
  return native.encodeSync(...encodeArgs(frame, options));
}

/** One frame of the built-in test source (colour bars, gradient, moving box, frame counter) in
 *  any raw format, at tight stride. */
export function testPattern(options: TestPatternOptions): Buffer {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const { width, height, format, frame = 0 } = options;
  checkDimension('width', width);
  checkDimension('height', height);
  checkFormat(format);
  if (typeof frame !== 'number' || !Number.isSafeInteger(frame) || frame < 0) {
    throw invalid(`frame must be a non-negative integer, got ${String(frame)}`);
  }
  return native.testPattern(width, height, format, frame);
}

/** Counters of the encoder's output-buffer pool and of rejected mjpeg frames. */
export function encoderStats(): EncoderStats {
  return native.encoderStats();
}
