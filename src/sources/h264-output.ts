// A Camera's H.264 stream (H264Producer): its settings and availability, the one consumer's
// callbacks, and the native stream of the current capture, started again on the next capture
// after a reconnect. Units are numbered across reconnects within one start, so a gap means a drop.
import { TurbocamError } from '../errors.js';
import {
  noH264Stats,
  type H264Availability,
  type H264EncoderName,
  type H264Settings,
  type H264Stats,
  type H264Unit,
} from './h264-source.js';

/** A capture's H.264 side, as the addon gives it (native/napi/h264_binding.cc). */
export interface H264Capture {
  startH264(
    settings: H264Settings,
    onUnit: (data: Buffer, keyframe: boolean, timestamp: number, sequence: number) => void,
    onError: (error: Error) => void,
  ): void;
  /** Resolves once the native thread has stopped; no unit is delivered after the call. */
  stopH264(): Promise<void>;
  requestKeyframe(): void;
  h264Stats(): H264Stats;
}

/** What the capture negotiated, as far as H.264 cares. */
export interface H264Source {
  name: string;
  fps: number;
}

/** openCamera's `h264`: false turns H.264 off; each setting left out takes its default. */
export type H264Options = Partial<H264Settings> | false;

interface Consumer {
  onUnit: (unit: H264Unit) => void;
  onError: (error: Error) => void;
}

const ZERO: H264Stats = noH264Stats();

/** a's counts plus b's; the rates (bitrate, encode time) are b's. */
function addCounts(a: H264Stats, b: H264Stats): H264Stats {
  return {
    running: b.running,
    bitrateKbps: b.bitrateKbps,
    encodeMs: b.encodeMs,
    units: a.units + b.units,
    keyframes: a.keyframes + b.keyframes,
    forcedKeyframes: a.forcedKeyframes + b.forcedKeyframes,
    bytes: a.bytes + b.bytes,
    dropped: { frames: a.dropped.frames + b.dropped.frames, units: a.dropped.units + b.dropped.units },
  };
}

export class H264Output {
  #options: H264Options;
  #defaults: { bitrateKbps: number; keyframeSeconds: number };
  /** Whether the library behind an encoder can be had (native h264Availability). */
  #library: (encoder: H264EncoderName) => H264Availability;
  #capture: H264Capture | null = null;
  #source: H264Source | null = null;
  #consumer: Consumer | null = null;
  /** The capture the native stream runs on, while it runs. */
  #running: H264Capture | null = null;
  #sequenceBase = 0;
  #nextSequence = 0;
  /** Counts of native streams that ended, so stats stay cumulative. */
  #past: H264Stats = ZERO;
  #stopping = new Set<Promise<void>>();

  constructor(
    options: H264Options | undefined,
    defaults: { bitrateKbps: number; keyframeSeconds: number },
    library: (encoder: H264EncoderName) => H264Availability,
  ) {
    this.#options = options ?? {};
    this.#defaults = defaults;
    this.#library = library;
  }

  get availability(): H264Availability {
    if (this.#options === false) return { available: false, encoder: null, reason: 'H.264 is off for this camera (h264: false)' };
    return this.#library(this.#encoder);
  }

  get #encoder(): H264EncoderName {
    return (this.#options !== false && this.#options.encoder) || 'auto';
  }

  /** The settings a native stream is started with, defaults filled in from the negotiated rate. */
  get settings(): H264Settings {
    const given = this.#options === false ? {} : this.#options;
    const fps = this.#source !== null && this.#source.fps > 0 ? this.#source.fps : 30;
    const settings: H264Settings = {
      encoder: this.#encoder,
      bitrateKbps: given.bitrateKbps ?? this.#defaults.bitrateKbps,
      keyframeInterval: given.keyframeInterval ?? Math.max(1, Math.round(fps * this.#defaults.keyframeSeconds)),
    };
    if (given.device !== undefined) settings.device = given.device;
    return settings;
  }

  start(onUnit: (unit: H264Unit) => void, onError: (error: Error) => void): void {
    if (this.#consumer !== null) throw new TurbocamError('ERR_INVALID_ARG', 'startH264: already started (stopH264 first)');
    const availability = this.availability;
    if (!availability.available) {
      const code = this.#options !== false && this.#encoder === 'm2m' ? 'ERR_NO_M2M_ENCODER' : 'ERR_H264_UNAVAILABLE';
      throw new TurbocamError(code, `startH264: ${availability.reason ?? 'H.264 is unavailable'}`, { path: this.#source?.name });
    }
    this.#consumer = { onUnit, onError };
    this.#sequenceBase = 0;
    this.#nextSequence = 0;
    try {
      this.#startOn(this.#capture);
    } catch (error) {
      this.#consumer = null;
      throw error;
    }
  }

  stop(): void {
    this.#consumer = null;
    this.#stopNative();
  }

  requestKeyframe(): void {
    this.#running?.requestKeyframe();
  }

  stats(): H264Stats {
    if (this.#running === null) return { ...this.#past, dropped: { ...this.#past.dropped }, running: false, bitrateKbps: 0 };
    return addCounts(this.#past, { ...this.#running.h264Stats(), running: true });
  }

  /** A capture opened (first or after a reconnect): the stream goes on there if it was started. */
  attach(capture: H264Capture, source: H264Source): void {
    this.#capture = capture;
    this.#source = source;
    if (this.#consumer === null) return;
    try {
      this.#startOn(capture);
    } catch (error) {
      // The new capture cannot code it (a persistent camera came back as mjpeg, say).
      this.#fail(error as Error);
    }
  }

  /** The capture went away; its close stops the native stream, which a reconnect restarts. */
  detach(): void {
    if (this.#running !== null) this.#retire(this.#running.h264Stats());
    this.#running = null;
    this.#capture = null;
  }

  /** The Camera closed: nothing more reaches the consumer. Resolves once native streams stopped. */
  async end(): Promise<void> {
    this.#consumer = null;
    this.detach();
    await Promise.all([...this.#stopping]);
  }

  #startOn(capture: H264Capture | null): void {
    if (capture === null) return;
    const base = this.#nextSequence;
    this.#sequenceBase = base;
    capture.startH264(
      this.settings,
      (data, keyframe, timestamp, sequence) => {
        const consumer = this.#consumer;
        if (consumer === null || this.#running !== capture) return;
        this.#nextSequence = this.#sequenceBase + sequence + 1;
        consumer.onUnit({ data, keyframe, timestamp, sequence: this.#sequenceBase + sequence });
      },
      (error) => {
        if (this.#running === capture) this.#fail(error);
      },
    );
    this.#running = capture;
  }

  #retire(final: H264Stats): void {
    this.#past = addCounts(this.#past, { ...final, running: false });
  }

  #stopNative(): void {
    const running = this.#running;
    if (running === null) return;
    this.#retire(running.h264Stats());
    this.#running = null;
    const stopping = running.stopH264().catch(() => undefined);
    this.#stopping.add(stopping);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }

  /** The camera failed for good: the consumer hears it as the stream's end. */
  fail(error: Error): void {
    if (this.#consumer !== null) this.#fail(error);
  }

  #fail(error: Error): void {
    const consumer = this.#consumer;
    this.stop();
    consumer?.onError(error);
  }
}
