// What openCamera takes: the options, their checks, what the addon is handed, and what a Camera
// can tell of its source before it negotiates.
import type { H264Options } from './sources/h264-output.js';
import type { SourceInfo, SourceKind } from './sources/source.js';
import type { Flip, PixelFormatName, Rotation, Subsampling } from './types.js';
import {
  BUFFERS,
  checkOrientation,
  checkH264,
  checkOutput,
  type OutputName,
  checkPixelFormat,
  checkRange,
  checkSubsampling,
  DEVICE_TIMEOUT_MS,
  ENCODERS,
  type EncoderName,
  invalidArg,
  POSITIVE_INTEGER,
  POSITIVE_NUMBER,
  QUALITY,
} from './validate.js';

export interface OpenCameraOptions {
  /** `/dev/videoN`, `testsrc`, `stdin`, or the path of a FIFO / file carrying frames. */
  source: string;
  width?: number;
  height?: number;
  fps?: number;
  /** `auto` prefers the camera's MJPEG at the requested size, else a raw format. For pipes:
   *  `mjpeg` (default) or the raw format of the frames, with width and height. */
  format?: PixelFormatName | 'auto';
  /** JPEG quality 1..100 for raw formats (default 80). */
  quality?: number;
  /** Chroma subsampling of the JPEGs made from raw formats (default 420 for every raw format,
   *  gray for grey). 422 keeps a YUYV camera's full chroma for about 20 % more CPU. */
  subsampling?: Subsampling;
  /** Encoder threads (default: online cores). */
  workers?: number;
  /** Capture buffers (default: workers + 2). */
  buffers?: number;
  /** Controls set at open, by name: `{ brightness: 140, exposure_auto: 1 }`. */
  controls?: Record<string, number | boolean>;
  /** Reopen after an unplug (ENODEV) or a device timeout instead of stopping. A source absent at
   *  open (ENOENT, ENODEV, EBUSY, ...) does not reject either: the Camera starts disconnected
   *  (`connected` false) and emits `reconnect` once it opens. */
  persistent?: boolean;
  /** Milliseconds between reopen attempts in persistent mode (default 1000). */
  retryInterval?: number;
  /** Milliseconds without a frame before the device counts as stalled (default 5000). */
  deviceTimeout?: number;
  /** V4L2 input to select (VIDIOC_S_INPUT). HDMI inputs adopt the detected DV timings and
   *  renegotiate when the signal changes. */
  input?: number;
  /** Clockwise rotation, then `flip`: a V4L2 device's own flip/rotate controls when they can do
   *  it all, else raw formats are turned while repacked for compression and camera MJPEG
   *  losslessly (never re-encoded; edges trimmed to whole MCUs where needed). `info` reports
   *  the size clients get, who turns it, and for MJPEG what was trimmed. */
  rotate?: Rotation;
  flip?: Flip;
  /** Camera MJPEG: also serve frames cut short inside the scan, with EOI appended (µStreamer's
   *  --allow-truncated-frames). Frames that only lack EOI are always repaired. */
  allowTruncatedFrames?: boolean;
  /** `cpu` (default), `m2m-image` (a V4L2 memory-to-memory JPEG encoder, such as a Raspberry
   *  Pi's /dev/video31; fails with ERR_NO_M2M_ENCODER when there is none), `m2m-video` (a V4L2
   *  M2M video encoder coding MJPEG to a bitrate, such as the Pi's /dev/video11) or `auto` (M2M
   *  JPEG when a node takes the camera's raw format, else CPU). A hardware failure at run time
   *  falls back to the CPU encoder with one `warning` event. */
  encoder?: EncoderName;
  /** The M2M node to use (default: the first /dev/video* that encodes the camera's format). */
  encoderDevice?: string;
  /** The M2M coded format: `jpeg` (m2m-image's default), `mjpeg` (m2m-video's); for the test
   *  harness, `fwht` (the kernel's vicodec; frames are then FWHT, not JPEG) and `yuyv` (vim2m,
   *  a converter made slow on purpose). */
  encoderFormat?: 'jpeg' | 'mjpeg' | 'fwht' | 'yuyv';
  /** What the Camera hands to JS: `jpeg` (default) as `frame` events and its async iterator;
   *  `raw`, frames as captured (`raw` events and `rawFrames()`), with no JPEG encoded at all;
   *  `both`, raw frames and JPEGs of the same capture. Raw frames need a raw format (`auto`
   *  then skips a camera's MJPEG). */
  output?: OutputName;
  /** The Camera's H.264 stream (startH264): `{ encoder, device, bitrateKbps, keyframeInterval }`,
   *  each optional (auto: OpenH264 until an M2M H.264 encoder is wired; 2000 kbit/s; an IDR every
   *  two seconds of the negotiated rate), or false for none (h264Availability then says so). */
  h264?: H264Options;
  /** Closes the Camera when it aborts (as close() does); already aborted, openCamera rejects
   *  with ERR_ABORTED without opening the source. */
  signal?: AbortSignal;
}

/** Throws ERR_INVALID_ARG (or ERR_UNSUPPORTED_FORMAT) naming the first option that is wrong. */
export function checkCameraOptions(options: OpenCameraOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.source !== 'string' || options.source === '') {
    throw invalidArg('openCamera', 'source', 'a device path, "testsrc", "stdin" or a file path', options?.source);
  }
  for (const key of ['width', 'height', 'workers'] as const) {
    if (options[key] !== undefined) checkRange('openCamera', key, options[key], POSITIVE_INTEGER);
  }
  for (const key of ['fps', 'deviceTimeout', 'retryInterval'] as const) {
    if (options[key] !== undefined) checkRange('openCamera', key, options[key], POSITIVE_NUMBER);
  }
  if (options.buffers !== undefined) checkRange('openCamera', 'buffers', options.buffers, BUFFERS);
  if (options.quality !== undefined) checkRange('openCamera', 'quality', options.quality, QUALITY);
  checkPixelFormat('openCamera', options.format ?? 'auto', true);
  checkOrientation('openCamera', options.rotate, options.flip);
  checkSubsampling('openCamera', options.subsampling);
  checkOutput('openCamera', options.output, options.format);
  checkH264('openCamera', options.h264);
  if (options.encoder !== undefined && !ENCODERS.includes(options.encoder)) {
    throw invalidArg('openCamera', 'encoder', ENCODERS.join(', '), options.encoder);
  }
  if (options.encoderDevice !== undefined && (typeof options.encoderDevice !== 'string' || options.encoderDevice === '')) {
    throw invalidArg('openCamera', 'encoderDevice', 'a device path', options.encoderDevice);
  }
  if (options.encoderFormat !== undefined && !(['jpeg', 'mjpeg', 'fwht', 'yuyv'] as unknown[]).includes(options.encoderFormat)) {
    throw invalidArg('openCamera', 'encoderFormat', 'jpeg, mjpeg, fwht or yuyv', options.encoderFormat);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    throw invalidArg('openCamera', 'signal', 'an AbortSignal', options.signal);
}

/** The options as the addon takes them, with src/validate.ts's defaults (not the addon's fallbacks). */
export function nativeCaptureOptions(options: OpenCameraOptions): Record<string, unknown> {
  // The signal is the Camera's to watch, and H.264 settings go to startH264, not the open.
  const { signal: _signal, h264: _h264, ...given } = options;
  const out: Record<string, unknown> = { quality: QUALITY.default, deviceTimeout: DEVICE_TIMEOUT_MS, ...given };
  if (options.controls) out.controls = Object.entries(options.controls).map(([name, value]) => [name, Number(value)]);
  return out;
}

/** What a Camera waiting for its source can tell: the request, until the source negotiates. */
export function awaitedInfo(options: OpenCameraOptions): SourceInfo {
  const kind: SourceKind = options.source.startsWith('/dev/video') ? 'v4l2' : 'pipe';
  const format = options.format === undefined || options.format === 'auto' ? 'mjpeg' : options.format;
  const subsampling = format === 'mjpeg' ? null : (options.subsampling ?? (format === 'grey' ? 'gray' : '420'));
  return { kind, name: options.source, width: options.width ?? 0, height: options.height ?? 0, format, fps: options.fps ?? 0, subsampling };
}
