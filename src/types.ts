// Types shared by every room of src/: what a frame is and how formats are named. The lists are
// the one TypeScript copy of the native tables (test/unit/formats.test.ts keeps them in step), so
// the CLI can check names without loading the addon.

/** Pixel formats by their lower-case V4L2 names, in the native table's order. */
export const PIXEL_FORMATS = ['yuyv', 'uyvy', 'nv12', 'i420', 'rgb24', 'bgr24', 'grey', 'mjpeg'] as const;
export type PixelFormatName = (typeof PIXEL_FORMATS)[number];

/** Raw formats: every format but mjpeg. */
export type RawPixelFormatName = Exclude<PixelFormatName, 'mjpeg'>;

/** Output chroma subsamplings, in the native table's order. */
export const SUBSAMPLINGS = ['444', '422', '420', 'gray'] as const;
export type Subsampling = (typeof SUBSAMPLINGS)[number];

/** Clockwise rotation in degrees, applied before the flip. */
export type Rotation = 0 | 90 | 180 | 270;
/** Mirror left-right (h) or top-bottom (v). */
export type Flip = 'h' | 'v';

/** One encoded frame, as sources hand it to the hub and the hub to clients. */
export interface Frame {
  /** The JPEG. Shared by every consumer: never mutate it. */
  data: Buffer;
  width: number;
  height: number;
  /** The format the source captured in (the JPEG is always JPEG). */
  format: PixelFormatName;
  /** Monotonic per source, starting at 0; gaps mean dropped frames. */
  sequence: number;
  /** Capture time in milliseconds of CLOCK_MONOTONIC, the clock of V4L2 timestamps and of
   *  `process.hrtime.bigint()`, so latency is `hrtime - timestamp` on the same machine. */
  timestamp: number;
}

/** One raw frame (openCamera's `output: 'raw'` or `'both'`), as the source captured it: before
 *  turbocam's rotation or flip (a device's own flip controls, when they do it, show in it). */
export interface RawFrame {
  /** The pixels, `stride` bytes per line of the first plane (nv12's chroma plane uses `stride`,
   *  i420's `stride / 2`). A copy of the capture buffer in a buffer the camera lends from a small
   *  pool: call `release()` once done. After release() it is empty (length 0). */
  data: Buffer;
  width: number;
  height: number;
  format: RawPixelFormatName;
  /** Bytes per line of the first plane. */
  stride: number;
  /** The same numbering as the JPEG frames of the same capture: a raw frame and the JPEG made
   *  from it share their sequence. */
  sequence: number;
  /** Capture time in milliseconds of CLOCK_MONOTONIC, as Frame's. */
  timestamp: number;
  /** Gives the buffer back to the camera's pool now instead of when the GC collects it. Every
   *  view of `data` reads as empty from then on. Idempotent. */
  release(): void;
}
