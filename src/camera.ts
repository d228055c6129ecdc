// The Camera: a V4L2 device, the test pattern or a pipe of frames, captured and encoded on native
// threads and handed to JS one newest frame at a time. Persistent cameras ride out unplugs and
// timeouts by reopening; others report the error and stop.
import { EventEmitter } from 'node:events';
import { awaitedInfo, checkCameraOptions, nativeCaptureOptions, type OpenCameraOptions } from './camera-options.js';
import { isCodedError, TurbocamError } from './errors.js';
import { abortError, closeOnAbort, throwIfAborted } from './lifetime.js';
import { native, openCapture } from './native.js';
import type { NativeCapture, NativeDevice } from './native.js';
import { H264Output } from './sources/h264-output.js';
import type { H264Availability, H264EncoderName, H264Producer, H264Stats, H264Unit } from './sources/h264-source.js';
import { FrameIterators } from './sources/latest-iterator.js';
import { mayTrim, orientedInfo, sizedInfo } from './sources/orientation.js';
import { RawOutput } from './sources/raw-output.js';
import { addStats, type CameraControls, emptyStats, type FrameSource, type SourceInfo, type SourceStats } from './sources/source.js';
import type { Frame, RawFrame } from './types.js';
import { H264_BITRATE_KBPS, H264_KEYFRAME_SECONDS, RETRY_INTERVAL_MS } from './validate.js';

/** A V4L2 capture device with its formats, sizes and frame rates, as the addon lists it. */
export type DeviceDescription = NativeDevice;

/** The Camera's events and their arguments. */
export interface CameraEvents {
  /** Each frame, newest first-come (latest-frame-wins: a busy JS thread drops, never queues). */
  frame: [frame: Frame];
  /** Each raw frame (output 'raw' or 'both'), latest-frame-wins like `frame`; release() gives it back. */
  raw: [frame: RawFrame];
  /** The source stopped for good (not persistent, or a failure persistence does not ride out). */
  error: [error: TurbocamError];
  /** A persistent Camera lost its source and retries; an HDMI signal change renegotiates. */
  disconnect: [error: TurbocamError];
  /** Back, with what was negotiated this time. */
  reconnect: [info: SourceInfo];
  /** Something to hear about once while capture goes on (ERR_TRUNCATED_FRAMES, M2M fallback). */
  warning: [error: TurbocamError];
  /** close() (or the signal) has released the source: it can be opened again. */
  close: [];
}

const FAILURES_WORTH_RETRYING = new Set(['ENODEV', 'ETIMEDOUT', 'EIO', 'ENOENT', 'ENXIO', 'EBUSY', 'ERR_END_OF_STREAM']);

export class Camera extends EventEmitter<CameraEvents> implements FrameSource, H264Producer, AsyncDisposable {
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
  #raw = new RawOutput(this, (buffer) => native.releaseBuffer(buffer));
  #h264: H264Output;
  /** An MJPEG pipe's frames carry their size, whatever width and height were declared. */
  #sizeFromFrame = false;
  #closing: Promise<void> | undefined;
  #unwatchSignal: () => void = () => undefined;
  readonly controls: CameraControls;

  /** @internal use openCamera() */
  constructor(options: OpenCameraOptions) {
    super();
    this.#options = options;
    this.#info = this.#oriented(awaitedInfo(options), false);
    const h264Defaults = { bitrateKbps: H264_BITRATE_KBPS.default, keyframeSeconds: H264_KEYFRAME_SECONDS };
    this.#h264 = new H264Output(options.h264, h264Defaults, (encoder) => native.h264Availability(encoder));
    this.controls = {
      list: async () => this.#live().listControls(),
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

  /** @internal Gives one of this camera's JPEG frames back to its pool now, for an owner that
   *  knows nobody reads it any more (the CLI's hub); the frame reads as empty after. */
  giveBack(frame: Frame): void {
    native.releaseBuffer(frame.data.buffer);
  }

  /** Whether startH264 can work, and if not what to install or change. */
  get h264Availability(): H264Availability {
    return this.#h264.availability;
  }

  /** Codes H.264 on a thread of its own from the newest frame (camera MJPEG decoded first), paused
   *  or not, until stopH264: units reach `onUnit` in order, the first a keyframe (SPS, PPS, IDR);
   *  a persistent Camera goes on after a reconnect. ERR_H264_UNAVAILABLE (with the remedy),
   *  ERR_NO_M2M_ENCODER for `encoder: 'm2m'` without one, ERR_UNSUPPORTED_FORMAT for odd sizes. */
  startH264(onUnit: (unit: H264Unit) => void, onError: (error: Error) => void): void {
    if (this.#closed) throw new TurbocamError('ERR_CLOSED', `${this.#info.name}: camera is closed`, { path: this.#info.name });
    this.#h264.start(onUnit, onError);
  }

  stopH264(): void {
    this.#h264.stop();
  }

  requestKeyframe(): void {
    this.#h264.requestKeyframe();
  }

  h264Stats(): H264Stats {
    return this.#h264.stats();
  }

  /** Stops capture and releases the source; resolves (and emits `close`) once it can be opened
   *  again. */
  close(): Promise<void> {
    // Failed for good, the capture is already let go; a second close() waits for the first.
    if (this.#closing === undefined && this.#closed) return Promise.resolve();
    this.#closing ??= this.#release();
    return this.#closing;
  }

  async #release(): Promise<void> {
    this.#closed = true;
    this.#unwatchSignal();
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    const capture = this.#capture;
    const h264 = this.#h264.end();
    if (capture) {
      this.#past = this.stats();
      this.#capture = null;
      await capture.close();
    }
    await h264;
    this.#iterators.end(null);
    this.#raw.end(null);
    this.emit('close');
  }

  /** `await using camera = await openCamera(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return this.#iterators.create();
  }

  /** Raw frames (output 'raw' or 'both'), latest frame wins as for JPEG frames: each iterator
   *  holds only the newest raw frame its consumer has not taken. Also emitted as `raw` events. */
  rawFrames(): AsyncIterable<RawFrame> {
    return this.#raw.iterable();
  }

  /** @internal */
  static async open(options: OpenCameraOptions): Promise<Camera> {
    const { signal } = options;
    throwIfAborted('openCamera', signal);
    const camera = new Camera(options);
    try {
      await camera.#connect();
    } catch (error) {
      // A persistent Camera waits for its source as it would after an unplug (µStreamer does).
      if (!options.persistent || !isCodedError(error) || !FAILURES_WORTH_RETRYING.has(error.code)) throw error;
      camera.#scheduleRetry();
    }
    if (signal?.aborted) {
      // Aborted while the source opened: nobody gets a Camera to close.
      await camera.close();
      throw abortError('openCamera', signal);
    }
    camera.#unwatchSignal = closeOnAbort(signal, () => camera.close());
    return camera;
  }

  /** Opens the native capture (the one place that does) and makes it this Camera's; what it
   *  reported before the open resolved is handled then. */
  async #connect(): Promise<void> {
    const { capture, attach } = await openCapture(nativeCaptureOptions(this.#options));
    if (this.#closed) {
      await capture.close();
      return;
    }
    if (this.#paused) capture.setPaused(true);
    this.#capture = capture;
    this.#sequenceBase = this.#lastSequence + 1;
    const { orientedByDevice, stride, ...negotiated } = capture.info();
    this.#info = this.#oriented(negotiated, orientedByDevice === true);
    this.#raw.negotiate((this.#options.output ?? 'jpeg') !== 'jpeg', negotiated, stride);
    this.#sizeFromFrame = this.#info.kind === 'pipe' && this.#info.format === 'mjpeg';
    this.#h264.attach(capture, negotiated);
    attach(
      (data, sequence, timestamp) => {
        if (this.#capture === capture) this.#deliver(data, sequence, timestamp);
      },
      (error) => {
        if (this.#capture === capture) this.#failOrWarn(error);
      },
      (data, sequence, timestamp) => {
        // A raw frame and the JPEG made from it share their sequence; the raw one comes first.
        if (this.#capture === capture && !this.#closed && this.#raw.wanted) this.#raw.deliver(data, this.#sequenceOf(sequence), timestamp);
        else this.#raw.release(data);
      },
    );
  }

  #live(): NativeCapture {
    if (!this.#capture) {
      const code = this.#closed ? 'ERR_CLOSED' : 'ENODEV';
      throw new TurbocamError(code, `${this.#info.name}: camera is ${this.#closed ? 'closed' : 'disconnected'}`, { path: this.#info.name });
    }
    return this.#capture;
  }

  // The size clients get; turned MJPEG's first frame tells what its edges lost (#measureTrim).
  #oriented(info: SourceInfo, byDevice: boolean): SourceInfo {
    const oriented = orientedInfo(info, this.#options.rotate ?? 0, this.#options.flip, byDevice);
    this.#measureTrim = mayTrim(oriented);
    return oriented;
  }

  #deliver(data: Buffer, nativeSequence: number, timestamp: number): void {
    if (this.#closed) return;
    if (this.#sizeFromFrame || this.#measureTrim) {
      // An MJPEG pipe's first frame tells its size (a declared or default size may be wrong), and
      // a turned MJPEG frame what its edges lost.
      const sized = sizedInfo(this.#info, data, this.#measureTrim);
      if (sized) {
        this.#info = sized;
        this.#sizeFromFrame = false;
      }
      this.#measureTrim = false;
    }
    const sequence = this.#sequenceOf(nativeSequence);
    const frame: Frame = { data, width: this.#info.width, height: this.#info.height, format: this.#info.format, sequence, timestamp };
    this.emit('frame', frame);
    this.#iterators.push(frame);
  }

  #sequenceOf(nativeSequence: number): number {
    const sequence = this.#sequenceBase + nativeSequence;
    this.#lastSequence = Math.max(this.#lastSequence, sequence);
    return sequence;
  }

  // The addon reports warnings (capture goes on) through the failure callback, marked.
  #failOrWarn(error: Error): void {
    if ((error as { warning?: boolean }).warning === true) {
      if (!this.#closed) this.emit('warning', error as TurbocamError);
      return;
    }
    this.#fail(error);
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    const code = isCodedError(error) ? error.code : 'EIO';
    const capture = this.#capture;
    this.#capture = null;
    this.#h264.detach();
    if (capture) this.#past = addStats(this.#past, capture.stats());
    const closing = capture ? capture.close() : Promise.resolve();
    // A new HDMI signal is renegotiated whatever the mode: it is not a failure of the device.
    if (code === 'ERR_SOURCE_CHANGED' || (this.#options.persistent && FAILURES_WORTH_RETRYING.has(code))) {
      this.emit('disconnect', error as TurbocamError);
      void closing.then(() => this.#scheduleRetry());
      return;
    }
    this.#closed = true;
    this.#unwatchSignal();
    this.#h264.fail(error);
    void closing.finally(() => {
      // An iterator rethrows the error to its consumer; an unheard 'error' event would crash.
      const iterated = this.#iterators.size + this.#raw.iteratorCount > 0;
      this.#iterators.end(error);
      this.#raw.end(error);
      if (this.listenerCount('error') > 0 || !iterated) this.emit('error', error as TurbocamError);
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

/** Opens a source and resolves once its format is negotiated and capture has started. */
export async function openCamera(options: OpenCameraOptions): Promise<Camera> {
  checkCameraOptions(options);
  return Camera.open(options);
}

/** Whether H.264 can be coded here with this encoder (default auto), without opening a camera;
 *  if not, `reason` names the remedy (`libopenh264.so.7 not found: apt-get install libopenh264-7`). */
export function h264Availability(encoder: H264EncoderName = 'auto'): H264Availability {
  return native.h264Availability(encoder);
}

/** Every V4L2 capture device with its formats, sizes and frame rates. */
export async function listDevices(): Promise<DeviceDescription[]> {
  return native.listDevices();
}
