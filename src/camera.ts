// The Camera: a V4L2 device, the test pattern or a pipe of frames, captured and encoded on native
// threads and handed to JS one newest frame at a time. Persistent cameras ride out unplugs and
// timeouts by reopening; others report the error and stop.
import { EventEmitter } from 'node:events';
import { isCodedError, TurbocamError } from './errors.js';
import { native } from './native.js';
import type { NativeCapture, NativeControl, NativeDevice } from './native.js';
import { jpegSize } from './sources/jpeg-info.js';
import { FrameIterators } from './sources/latest-iterator.js';
import { addStats, emptyStats, type FrameSource, type SourceInfo, type SourceKind, type SourceStats } from './sources/source.js';
import type { Flip, Frame, PixelFormatName, Rotation, Subsampling } from './types.js';
import { BUFFERS, checkOrientation, checkPixelFormat, checkRange, checkSubsampling, DEVICE_TIMEOUT_MS, ENCODERS, type EncoderName, invalidArg, POSITIVE_INTEGER, POSITIVE_NUMBER, QUALITY, RETRY_INTERVAL_MS } from './validate.js';

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
}

/** A camera control as the addon describes it, with its type narrowed to the V4L2 kinds. */
export interface ControlInfo extends Omit<NativeControl, 'type'> {
  type: 'integer' | 'boolean' | 'menu' | 'integer_menu' | 'button' | 'integer64' | 'bitmask' | 'string' | 'other';
}

export interface CameraControls {
  list(): Promise<ControlInfo[]>;
  get(name: string): Promise<number>;
  set(name: string, value: number | boolean): Promise<void>;
}

/** A V4L2 capture device with its formats, sizes and frame rates, as the addon lists it. */
export type DeviceDescription = NativeDevice;

const FAILURES_WORTH_RETRYING = new Set(['ENODEV', 'ETIMEDOUT', 'EIO', 'ENOENT', 'ENXIO', 'EBUSY', 'ERR_END_OF_STREAM']);
// Frames that arrive before openCapture's promise resolves, held for the Camera (see #connect).
const EARLY_FRAMES_HELD = 4;

function nativeOptions(options: OpenCameraOptions): Record<string, unknown> {
  // The defaults are src/validate.ts's, not the addon's fallbacks.
  const out: Record<string, unknown> = { quality: QUALITY.default, deviceTimeout: DEVICE_TIMEOUT_MS, ...options };
  if (options.controls) out.controls = Object.entries(options.controls).map(([name, value]) => [name, Number(value)]);
  return out;
}

function checkOptions(options: OpenCameraOptions): void {
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
  if (options.encoder !== undefined && !ENCODERS.includes(options.encoder)) {
    throw invalidArg('openCamera', 'encoder', ENCODERS.join(', '), options.encoder);
  }
  if (options.encoderDevice !== undefined && (typeof options.encoderDevice !== 'string' || options.encoderDevice === '')) {
    throw invalidArg('openCamera', 'encoderDevice', 'a device path', options.encoderDevice);
  }
  if (options.encoderFormat !== undefined && !(['jpeg', 'mjpeg', 'fwht', 'yuyv'] as unknown[]).includes(options.encoderFormat)) {
    throw invalidArg('openCamera', 'encoderFormat', 'jpeg, mjpeg, fwht or yuyv', options.encoderFormat);
  }
}

export class Camera extends EventEmitter implements FrameSource {
  #options: OpenCameraOptions;
  #capture: NativeCapture | null = null;
  #info: SourceInfo;
  #closed = false;
  #paused = false;
  #measureTrim = false;
  #retry: NodeJS.Timeout | null = null;
  #sequenceBase = 0;
  #lastSequence = -1;
  /** Totals of captures that ended (reconnects), so stats stay cumulative. */
  #past: SourceStats = emptyStats();
  #iterators = new FrameIterators();
  /** An MJPEG pipe's frames carry their size, whatever width and height were declared. */
  #sizeFromFrame = false;
  readonly controls: CameraControls;

  /** @internal use openCamera() */
  constructor(options: OpenCameraOptions) {
    super();
    this.#options = options;
    this.#info = this.#oriented(awaitedInfo(options), false);
    this.controls = {
      list: async () => (await this.#live().listControls()).map(toControlInfo),
      get: async (name) => this.#live().getControl(String(name)),
      set: async (name, value) => this.#live().setControl(String(name), Number(value)),
    };
  }

  get info(): SourceInfo {
    return this.#info;
  }

  /** False while the source is away (a persistent Camera retrying) or closed. */
  get connected(): boolean {
    return this.#capture !== null;
  }

  /** Stops encoding: frames are still captured (the device keeps streaming, a pipe's writer never
   *  blocks) but given straight back and counted as `dropped.paused`. Survives reconnects. */
  pause(): void {
    this.#setPaused(true);
  }

  /** Encodes and delivers again, from the next captured frame. */
  resume(): void {
    this.#setPaused(false);
  }

  #setPaused(paused: boolean): void {
    if (this.#closed || this.#paused === paused) return;
    this.#paused = paused;
    this.#capture?.setPaused(paused);
  }

  stats(): SourceStats {
    const live = this.#capture?.stats();
    const stats: SourceStats = { ...addStats(this.#past, live ?? emptyStats()), paused: this.#paused };
    if (live) stats.encoder = live.encoder;
    return stats;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    const capture = this.#capture;
    if (capture) {
      this.#past = this.stats();
      this.#capture = null;
      await capture.close();
    }
    this.#iterators.end(null);
  }

  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return this.#iterators.create();
  }

  /** @internal */
  static async open(options: OpenCameraOptions): Promise<Camera> {
    const camera = new Camera(options);
    try {
      await camera.#connect();
    } catch (error) {
      // A persistent Camera waits for its source as it would after an unplug (µStreamer does).
      if (!options.persistent || !isCodedError(error) || !FAILURES_WORTH_RETRYING.has(error.code)) throw error;
      camera.#scheduleRetry();
    }
    return camera;
  }

  /** Opens the native capture (the one place that does) and makes it this Camera's. Frames and a
   *  failure reported before the open resolved (capture starts inside the open, and the first
   *  frame's callback can run before the promise's) are handled once it is this Camera's. */
  async #connect(): Promise<void> {
    let capture: NativeCapture | undefined;
    let early: Error | undefined;
    const earlyFrames: [Buffer, number, number][] = [];
    const opened = await native.openCapture(
      nativeOptions(this.#options),
      (data, sequence, timestamp) => {
        if (capture === undefined) {
          // A few event-loop callbacks at most; bounded all the same.
          if (earlyFrames.push([data, sequence, timestamp]) > EARLY_FRAMES_HELD) earlyFrames.shift();
        } else if (this.#capture === capture) this.#deliver(data, sequence, timestamp);
      },
      (error) => {
        if (capture === undefined) early = error;
        else if (this.#capture === capture) this.#failOrWarn(error);
      },
    );
    capture = opened;
    if (this.#closed) {
      await opened.close();
      return;
    }
    if (this.#paused) opened.setPaused(true);
    this.#capture = opened;
    this.#sequenceBase = this.#lastSequence + 1;
    const info = opened.info();
    this.#info = this.#oriented(toInfo(info), info.orientedByDevice === true);
    this.#sizeFromFrame = this.#info.kind === 'pipe' && this.#info.format === 'mjpeg';
    for (const [data, sequence, timestamp] of earlyFrames) this.#deliver(data, sequence, timestamp);
    if (early !== undefined) this.#failOrWarn(early);
  }

  #live(): NativeCapture {
    if (!this.#capture) {
      const code = this.#closed ? 'ERR_CLOSED' : 'ENODEV';
      throw new TurbocamError(code, `${this.#info.name}: camera is ${this.#closed ? 'closed' : 'disconnected'}`, { path: this.#info.name });
    }
    return this.#capture;
  }

  // The size clients get: turned 90 or 270, width and height trade places. Turned MJPEG may lose
  // partial MCUs at its edges: its first frame tells (#measureTrim). A device that flips by
  // itself does it whole, and trims nothing.
  #oriented(info: SourceInfo, byDevice: boolean): SourceInfo {
    const rotate = this.#options.rotate ?? 0;
    const flip = this.#options.flip;
    if (rotate === 0 && flip === undefined) return info;
    const swap = rotate === 90 || rotate === 270;
    this.#measureTrim = !byDevice && info.format === 'mjpeg' && info.width > 0;
    return {
      ...info,
      width: swap ? info.height : info.width,
      height: swap ? info.width : info.height,
      orientation: { rotate, flip: flip ?? null, by: byDevice ? 'device' : 'turbocam', trimmed: { width: 0, height: 0 } },
    };
  }

  #deliver(data: Buffer, nativeSequence: number, timestamp: number): void {
    if (this.#closed) return;
    if (this.#sizeFromFrame || this.#measureTrim) {
      // An MJPEG pipe's first frame tells its size (a declared or default size may be wrong), and
      // a turned MJPEG frame what its edges lost.
      const size = jpegSize(data);
      if (size) {
        const orientation = this.#measureTrim ? this.#info.orientation : undefined;
        const trimmed = { width: this.#info.width - size.width, height: this.#info.height - size.height };
        this.#info = orientation ? { ...this.#info, ...size, orientation: { ...orientation, trimmed } } : { ...this.#info, ...size };
        this.#sizeFromFrame = false;
      }
      this.#measureTrim = false;
    }
    const sequence = this.#sequenceBase + nativeSequence;
    this.#lastSequence = sequence;
    const frame: Frame = { data, width: this.#info.width, height: this.#info.height, format: this.#info.format, sequence, timestamp };
    this.emit('frame', frame);
    this.#iterators.push(frame);
  }

  // The addon reports warnings (capture goes on) through the failure callback, marked.
  #failOrWarn(error: Error): void {
    if ((error as { warning?: boolean }).warning === true) {
      if (!this.#closed) this.emit('warning', error);
      return;
    }
    this.#fail(error);
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    const code = isCodedError(error) ? error.code : 'EIO';
    const capture = this.#capture;
    this.#capture = null;
    if (capture) this.#past = addStats(this.#past, capture.stats());
    const closing = capture ? capture.close() : Promise.resolve();
    // A new HDMI signal is renegotiated whatever the mode: it is not a failure of the device.
    if (code === 'ERR_SOURCE_CHANGED' || (this.#options.persistent && FAILURES_WORTH_RETRYING.has(code))) {
      this.emit('disconnect', error);
      void closing.then(() => this.#scheduleRetry());
      return;
    }
    this.#closed = true;
    void closing.finally(() => {
      // An iterator rethrows the error to its consumer; an unheard 'error' event would crash.
      const iterated = this.#iterators.size > 0;
      this.#iterators.end(error);
      if (this.listenerCount('error') > 0 || !iterated) this.emit('error', error);
    });
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#reopen();
    }, this.#options.retryInterval ?? RETRY_INTERVAL_MS);
  }

  async #reopen(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#connect();
    } catch {
      // Still unplugged (or no signal yet): try again later; `disconnect` was already emitted.
      this.#scheduleRetry();
      return;
    }
    if (this.#capture !== null) this.emit('reconnect', this.#info);
  }
}

/** What a Camera waiting for its source can tell: the request, until the source negotiates. */
function awaitedInfo(options: OpenCameraOptions): SourceInfo {
  const kind: SourceKind = options.source.startsWith('/dev/video') ? 'v4l2' : 'pipe';
  const format = options.format === undefined || options.format === 'auto' ? 'mjpeg' : options.format;
  const subsampling = format === 'mjpeg' ? null : (options.subsampling ?? (format === 'grey' ? 'gray' : '420'));
  return { kind, name: options.source, width: options.width ?? 0, height: options.height ?? 0, format, fps: options.fps ?? 0, subsampling };
}

function toInfo(info: ReturnType<NativeCapture['info']>): SourceInfo {
  return {
    kind: info.kind as SourceKind,
    name: info.name,
    width: info.width,
    height: info.height,
    format: info.format as PixelFormatName,
    fps: info.fps,
    subsampling: info.subsampling as Subsampling | null,
  };
}

function toControlInfo(control: NativeControl): ControlInfo {
  return { ...control, type: control.type as ControlInfo['type'] };
}

/** Opens a source and resolves once its format is negotiated and capture has started. */
export async function openCamera(options: OpenCameraOptions): Promise<Camera> {
  checkOptions(options);
  return Camera.open(options);
}

/** Every V4L2 capture device with its formats, sizes and frame rates. */
export async function listDevices(): Promise<DeviceDescription[]> {
  return native.listDevices();
}
