// The Camera: a V4L2 device, the test pattern or a pipe of frames, captured and encoded on native
// threads and handed to JS one newest frame at a time. Persistent cameras ride out unplugs and
// timeouts by reopening; others report the error and stop.
import { EventEmitter } from 'node:events';
import { codedError, isCodedError } from './errors.js';
import { native } from './native.js';
import type { NativeCapture, NativeControl, NativeDevice } from './native.js';
import type { FrameSource, SourceInfo, SourceKind, SourceStats } from './sources/source.js';
import type { Frame, PixelFormatName } from './types.js';

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

export interface DeviceDescription {
  path: string;
  name: string;
  driver: string;
  bus: string;
  formats: { format: string; fourcc: string; description: string; sizes: { width: number; height: number; fps: number[] }[] }[];
}

const FAILURES_WORTH_RETRYING = new Set(['ENODEV', 'ETIMEDOUT', 'EIO', 'ENOENT', 'ENXIO', 'EBUSY', 'ERR_END_OF_STREAM']);

function nativeOptions(options: OpenCameraOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { ...options };
  if (options.controls) out.controls = Object.entries(options.controls).map(([name, value]) => [name, Number(value)]);
  return out;
}

function checkOptions(options: OpenCameraOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.source !== 'string' || options.source === '') {
    throw codedError('ERR_INVALID_ARG', 'openCamera: `source` must be a device path, "testsrc", "stdin" or a file path');
  }
  const positive = ['width', 'height', 'fps', 'workers', 'buffers', 'deviceTimeout', 'retryInterval'] as const;
  for (const key of positive) {
    const value = options[key];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw codedError('ERR_INVALID_ARG', `openCamera: \`${key}\` must be a positive number`);
    }
  }
  for (const key of ['width', 'height', 'workers', 'buffers'] as const) {
    const value = options[key];
    if (value !== undefined && !Number.isInteger(value)) throw codedError('ERR_INVALID_ARG', `openCamera: \`${key}\` must be an integer`);
  }
  if (options.quality !== undefined && !(Number.isInteger(options.quality) && options.quality >= 1 && options.quality <= 100)) {
    throw codedError('ERR_INVALID_ARG', 'openCamera: `quality` must be an integer in 1..100');
  }
  if (options.buffers !== undefined && options.buffers < 2) throw codedError('ERR_INVALID_ARG', 'openCamera: `buffers` must be at least 2');
  const format = options.format ?? 'auto';
  if (format !== 'auto' && !native.formats.some((f) => f.name === format)) {
    throw codedError('ERR_UNSUPPORTED_FORMAT', `openCamera: unknown format '${String(format)}' (known: auto, ${native.formats.map((f) => f.name).join(', ')})`);
  }
}

type Waiter = { resolve: (r: IteratorResult<Frame>) => void; reject: (e: unknown) => void };

export class Camera extends EventEmitter implements FrameSource {
  #options: OpenCameraOptions;
  #capture: NativeCapture | null;
  #info: SourceInfo;
  #closed = false;
  #paused = false;
  #retry: NodeJS.Timeout | null = null;
  #sequenceBase = 0;
  #lastSequence = -1;
  /** Totals of captures that ended (reconnects), so stats stay cumulative. */
  #past: SourceStats = emptyStats();
  #iterators = new Set<FrameQueue>();
  #failure: Error | null = null;
  /** An MJPEG pipe's frames carry their size, whatever width and height were declared. */
  #sizeFromFrame = false;
  readonly controls: CameraControls;

  /** @internal use openCamera() */
  constructor(options: OpenCameraOptions, capture: NativeCapture | null) {
    super();
    this.#options = options;
    this.#capture = capture;
    this.#info = capture ? toInfo(capture.info()) : awaitedInfo(options);
    this.#sizeFromFrame = isMjpegPipe(this.#info);
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
    return { ...addStats(this.#past, this.#capture?.stats() ?? emptyStats()), paused: this.#paused };
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
    for (const queue of this.#iterators) queue.end(null);
  }

  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    const queue = new FrameQueue(() => this.#iterators.delete(queue));
    if (this.#closed) queue.end(this.#failure);
    else this.#iterators.add(queue);
    return queue;
  }

  /** @internal */
  static async open(options: OpenCameraOptions): Promise<Camera> {
    let camera: Camera | null = null;
    const pending: Array<() => void> = [];
    let capture: NativeCapture;
    try {
      capture = await native.openCapture(
        nativeOptions(options),
        (data, sequence, timestamp) => {
          if (camera) camera.#deliver(data, sequence, timestamp);
        },
        (error) => {
          if (camera) camera.#fail(error);
          else pending.push(() => camera && camera.#fail(error));
        },
      );
    } catch (error) {
      // A persistent Camera waits for its source as it would after an unplug (µStreamer does).
      if (!options.persistent || !isCodedError(error) || !FAILURES_WORTH_RETRYING.has(error.code)) throw error;
      const waiting = new Camera(options, null);
      waiting.#scheduleRetry();
      return waiting;
    }
    camera = new Camera(options, capture);
    for (const run of pending) run();
    return camera;
  }

  #live(): NativeCapture {
    if (!this.#capture) throw codedError(this.#closed ? 'ERR_CLOSED' : 'ENODEV', `${this.#info.name}: camera is ${this.#closed ? 'closed' : 'disconnected'}`, { path: this.#info.name });
    return this.#capture;
  }

  #deliver(data: Buffer, nativeSequence: number, timestamp: number): void {
    if (this.#closed) return;
    if (this.#sizeFromFrame) {
      // An MJPEG pipe's first frame tells its size (a declared or default size may be wrong).
      const size = jpegSize(data);
      if (size) {
        this.#info = { ...this.#info, ...size };
        this.#sizeFromFrame = false;
      }
    }
    const sequence = this.#sequenceBase + nativeSequence;
    this.#lastSequence = sequence;
    const frame: Frame = { data, width: this.#info.width, height: this.#info.height, format: this.#info.format, sequence, timestamp };
    this.emit('frame', frame);
    for (const queue of this.#iterators) queue.push(frame);
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
    this.#failure = error;
    void closing.finally(() => {
      // An iterator rethrows the error to its consumer; an unheard 'error' event would crash.
      const iterated = this.#iterators.size > 0;
      for (const queue of this.#iterators) queue.end(error);
      if (this.listenerCount('error') > 0 || !iterated) this.emit('error', error);
    });
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#reopen();
    }, this.#options.retryInterval ?? 1000);
  }

  async #reopen(): Promise<void> {
    if (this.#closed) return;
    let capture: NativeCapture;
    try {
      capture = await native.openCapture(
        nativeOptions(this.#options),
        (data, sequence, timestamp) => {
          if (this.#capture === capture) this.#deliver(data, sequence, timestamp);
        },
        (error) => {
          if (this.#capture === capture) this.#fail(error);
        },
      );
    } catch {
      // Still unplugged (or no signal yet): try again later; `disconnect` was already emitted.
      this.#scheduleRetry();
      return;
    }
    if (this.#closed) {
      await capture.close();
      return;
    }
    if (this.#paused) capture.setPaused(true);
    this.#capture = capture;
    this.#sequenceBase = this.#lastSequence + 1;
    this.#info = toInfo(capture.info());
    this.#sizeFromFrame = isMjpegPipe(this.#info);
    this.emit('reconnect', this.#info);
  }
}

/** One consumer's view of the frames: holds only the newest undelivered frame. */
class FrameQueue implements AsyncIterator<Frame> {
  #frame: Frame | null = null;
  #waiter: Waiter | null = null;
  #done = false;
  #error: Error | null = null;
  #onDone: () => void;

  constructor(onDone: () => void) {
    this.#onDone = onDone;
  }

  push(frame: Frame): void {
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve({ value: frame, done: false });
    } else {
      this.#frame = frame;
    }
  }

  end(error: Error | null): void {
    this.#done = true;
    this.#error = error;
    this.#onDone();
    const waiter = this.#waiter;
    this.#waiter = null;
    if (!waiter) return;
    if (error) waiter.reject(error);
    else waiter.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<Frame>> {
    if (this.#frame) {
      const frame = this.#frame;
      this.#frame = null;
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.#done) {
      if (this.#error) {
        const error = this.#error;
        this.#error = null;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Frame>> {
    this.#done = true;
    this.#frame = null;
    this.#onDone();
    return Promise.resolve({ value: undefined, done: true });
  }
}

/** Width and height from a JPEG's SOFn header, or null when it has none. */
function isMjpegPipe(info: SourceInfo): boolean {
  return info.kind === 'pipe' && info.format === 'mjpeg';
}

function jpegSize(data: Buffer): { width: number; height: number } | null {
  let at = 2;
  while (at + 9 < data.length) {
    if (data[at] !== 0xff) return null;
    const marker = data[at + 1] ?? 0;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) };
    if (marker === 0xda || marker === 0xd9) return null;
    at += 2 + data.readUInt16BE(at + 2);
  }
  return null;
}

function emptyStats(): SourceStats {
  return { captured: 0, encoded: 0, delivered: 0, dropped: { busy: 0, late: 0, corrupt: 0, error: 0, paused: 0 }, fps: 0, encodeMs: 0 };
}

function addStats(a: SourceStats, b: SourceStats): SourceStats {
  return {
    captured: a.captured + b.captured,
    encoded: a.encoded + b.encoded,
    delivered: a.delivered + b.delivered,
    dropped: {
      busy: a.dropped.busy + b.dropped.busy,
      late: a.dropped.late + b.dropped.late,
      corrupt: a.dropped.corrupt + b.dropped.corrupt,
      error: a.dropped.error + b.dropped.error,
      paused: (a.dropped.paused ?? 0) + (b.dropped.paused ?? 0),
    },
    fps: b.fps,
    encodeMs: b.encodeMs,
    pool: {
      bytes: b.pool?.bytes ?? 0,
      copies: (a.pool?.copies ?? 0) + (b.pool?.copies ?? 0),
      grown: (a.pool?.grown ?? 0) + (b.pool?.grown ?? 0),
      leased: b.pool?.leased ?? 0,
    },
  };
}

/** What a Camera waiting for its source can tell: the request, until the source negotiates. */
function awaitedInfo(options: OpenCameraOptions): SourceInfo {
  const kind: SourceKind = options.source.startsWith('/dev/video') ? 'v4l2' : 'pipe';
  const format = options.format === undefined || options.format === 'auto' ? 'mjpeg' : options.format;
  return { kind, name: options.source, width: options.width ?? 0, height: options.height ?? 0, format, fps: options.fps ?? 0 };
}

function toInfo(info: ReturnType<NativeCapture['info']>): SourceInfo {
  return { kind: info.kind as SourceKind, name: info.name, width: info.width, height: info.height, format: info.format as PixelFormatName, fps: info.fps };
}

function toControlInfo(control: NativeControl): ControlInfo {
  const info: ControlInfo = {
    name: control.name,
    id: control.id,
    type: control.type as ControlInfo['type'],
    min: control.min,
    max: control.max,
    step: control.step,
    default: control.default,
    value: control.value,
    flags: control.flags,
  };
  if (control.menu) info.menu = control.menu;
  return info;
}

/** Opens a source and resolves once its format is negotiated and capture has started. */
export async function openCamera(options: OpenCameraOptions): Promise<Camera> {
  checkOptions(options);
  return Camera.open(options);
}

/** Every V4L2 capture device with its formats, sizes and frame rates. */
export async function listDevices(): Promise<DeviceDescription[]> {
  const devices: NativeDevice[] = await native.listDevices();
  return devices;
}
