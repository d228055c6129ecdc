// One H.264 stream fanned out to its viewers (WHEP peers, MSE sockets). The producer runs only
// while a viewer exists. A unit depends on those before it back to the last keyframe, so a viewer
// is never handed a unit it cannot decode: it starts at a keyframe, and one that falls behind (its
// backlog past the limit) or saw units lost before JS got them waits for the next keyframe.
// Joins and lost pictures ask the producer for a keyframe, coalesced: a browser sends PLIs in bursts.
import { EventEmitter } from 'node:events';
import { monotonicMs } from '../clock.js';
import { TurbocamError } from '../errors.js';
import type { Log } from '../log.js';
import type { H264Availability, H264Producer, H264Stats, H264Unit } from '../sources/h264-source.js';
import { checkRange } from '../validate.js';
import type { H264Subscription, H264Viewer, H264ViewerHub, H264ViewerKind } from './viewer.js';

export interface H264HubOptions {
  /** A viewer with more bytes queued than this skips to the next keyframe (default 512 KiB, about
   *  2 s at 2 Mbit/s). */
  maxBacklogBytes?: number;
  /** Keyframe requests closer together than this are forwarded as one (ms, default 250). */
  keyframeRequestGapMs?: number;
  log?: Log;
}

export interface H264HubStats {
  available: boolean;
  running: boolean;
  viewers: Record<H264ViewerKind, number>;
  /** Units and keyframes the producer handed the hub, and their bytes. */
  units: number;
  keyframes: number;
  bytes: number;
  /** Over the last second or so, from the units the hub saw. */
  bitrateKbps: number;
  /** Keyframe requests heard (joins, PLI/FIR, skips) and those forwarded after coalescing. */
  keyframeRequests: number;
  keyframeRequestsForwarded: number;
  /** Keyframes the producer coded on request (its own count). */
  forcedKeyframes: number;
  /** Times a viewer fell behind and skipped to the next keyframe, and the units viewers skipped
   *  (waiting for a first or a next keyframe). */
  skips: number;
  skippedUnits: number;
  /** Sequence gaps: units lost before JS got them (every viewer then waits for a keyframe). */
  gaps: number;
  /** The producer's own counters (encode time, its drops); null without a producer. */
  producer: H264Stats | null;
  /** The failure that last stopped the stream, if any. */
  error: { code: string; message: string } | null;
}

export interface H264HubEvents {
  /** The producer started (true) or stopped (false). */
  running: [running: boolean];
  /** The producer failed; its viewers were ended with the same error. Emitted only while someone listens. */
  error: [error: Error];
}

interface Entry {
  viewer: H264Viewer;
  /** Waiting for a keyframe: at the start, after a skip, after a gap. */
  waiting: boolean;
}

const NO_PRODUCER: H264Availability = {
  available: false,
  encoder: null,
  reason: 'the source does not code H.264: open a Camera with H.264 enabled, or give the server an h264 producer',
};

/** The source itself when it is an H264Producer (duck-typed: the Camera, a test producer). */
export function h264ProducerOf(source: unknown): H264Producer | undefined {
  const candidate = source as Partial<H264Producer> | null | undefined;
  if (
    typeof candidate?.startH264 === 'function' &&
    typeof candidate.stopH264 === 'function' &&
    typeof candidate.requestKeyframe === 'function' &&
    typeof candidate.h264Stats === 'function' &&
    typeof candidate.h264Availability === 'object' &&
    candidate.h264Availability !== null
  ) {
    return candidate as H264Producer;
  }
  return undefined;
}

function codeOf(error: Error): string {
  return (error as { code?: unknown }).code === undefined ? 'ERROR' : String((error as { code?: unknown }).code);
}

export class H264Hub extends EventEmitter<H264HubEvents> implements H264ViewerHub {
  readonly producer: H264Producer | undefined;
  private readonly maxBacklogBytes: number;
  private readonly keyframeRequestGapMs: number;
  private readonly log: Log;
  private readonly entries = new Set<Entry>();
  private running = false;
  private closed = false;
  /** Bumped at each start, so a late callback from an earlier run is ignored. */
  private run = 0;
  private nextSequence = 0;
  private lastForwardAt = Number.NEGATIVE_INFINITY;
  private keyframeTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  /** Bytes per unit over the last second, for the bitrate. */
  private readonly window: Array<{ at: number; bytes: number }> = [];
  private readonly counters = {
    units: 0,
    keyframes: 0,
    bytes: 0,
    keyframeRequests: 0,
    keyframeRequestsForwarded: 0,
    skips: 0,
    skippedUnits: 0,
    gaps: 0,
  };

  constructor(producer: H264Producer | undefined, options: H264HubOptions = {}) {
    super();
    if (options.maxBacklogBytes !== undefined)
      checkRange('H264Hub', 'maxBacklogBytes', options.maxBacklogBytes, { min: 1024, max: 1 << 30, integer: true });
    if (options.keyframeRequestGapMs !== undefined)
      checkRange('H264Hub', 'keyframeRequestGapMs', options.keyframeRequestGapMs, { min: 0, max: 60_000, integer: false });
    this.producer = producer;
    this.maxBacklogBytes = options.maxBacklogBytes ?? 512 * 1024;
    this.keyframeRequestGapMs = options.keyframeRequestGapMs ?? 250;
    this.log = options.log ?? (() => undefined);
  }

  /** Whether the source can code H.264, and if not, why and what to do. */
  get availability(): H264Availability {
    return this.producer?.h264Availability ?? NO_PRODUCER;
  }

  get isRunning(): boolean {
    return this.running;
  }

  get viewerCount(): number {
    return this.entries.size;
  }

  add(viewer: H264Viewer): H264Subscription {
    if (this.closed) throw new TurbocamError('ERR_CLOSED', 'H.264: the hub is closed');
    const availability = this.availability;
    if (!availability.available || this.producer === undefined) {
      throw new TurbocamError('ERR_H264_UNAVAILABLE', `H.264 is unavailable: ${availability.reason ?? 'no encoder'}`);
    }
    const entry: Entry = { viewer, waiting: true };
    this.entries.add(entry);
    if (this.running) this.requestKeyframe();
    else {
      try {
        this.start(this.producer);
      } catch (error) {
        this.entries.delete(entry);
        throw error;
      }
    }
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        this.remove(entry);
      },
      requestKeyframe: () => {
        if (open) this.requestKeyframe();
      },
    };
  }

  stats(): H264HubStats {
    const viewers: Record<H264ViewerKind, number> = { webrtc: 0, mse: 0 };
    for (const { viewer } of this.entries) viewers[viewer.kind] += 1;
    const producer = this.producer?.h264Stats() ?? null;
    const error = this.failure === undefined ? null : { code: codeOf(this.failure), message: this.failure.message };
    return {
      available: this.availability.available,
      running: this.running,
      viewers,
      ...this.counters,
      bitrateKbps: this.bitrateKbps(),
      forcedKeyframes: producer?.forcedKeyframes ?? 0,
      producer,
      error,
    };
  }

  /** Ends every viewer and stops the producer; later adds throw ERR_CLOSED. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const entries = [...this.entries];
    this.entries.clear();
    this.stop();
    for (const { viewer } of entries) viewer.end?.();
  }

  private start(producer: H264Producer): void {
    const run = ++this.run;
    this.nextSequence = -1;
    this.window.length = 0;
    producer.startH264(
      (unit) => {
        if (run === this.run && this.running) this.deliver(unit);
      },
      (error) => {
        if (run === this.run && this.running) this.fail(error);
      },
    );
    this.running = true;
    this.failure = undefined;
    this.log('info', `H.264 started (${this.availability.encoder ?? 'encoder'})`);
    this.emit('running', true);
  }

  private stop(): void {
    clearTimeout(this.keyframeTimer);
    this.keyframeTimer = undefined;
    if (!this.running) return;
    this.running = false;
    this.run += 1;
    this.producer?.stopH264();
    this.log('info', 'H.264 stopped: no viewer left');
    this.emit('running', false);
  }

  private remove(entry: Entry): void {
    if (!this.entries.delete(entry)) return;
    if (this.entries.size === 0) this.stop();
  }

  private fail(error: Error): void {
    this.failure = error;
    this.log('error', `H.264 stream failed: ${error.message}`);
    const entries = [...this.entries];
    this.entries.clear();
    this.stop();
    for (const { viewer } of entries) viewer.end?.(error);
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private deliver(unit: H264Unit): void {
    this.counters.units += 1;
    this.counters.bytes += unit.data.length;
    if (unit.keyframe) {
      this.counters.keyframes += 1;
      // Whatever was asked for has come.
      clearTimeout(this.keyframeTimer);
      this.keyframeTimer = undefined;
    }
    const now = monotonicMs();
    this.window.push({ at: now, bytes: unit.data.length });
    while (this.window.length > 0 && this.window[0]!.at < now - 1000) this.window.shift();
    // A unit lost before JS breaks every reference after it: everyone waits for a keyframe.
    const gap = this.nextSequence >= 0 && unit.sequence !== this.nextSequence;
    this.nextSequence = unit.sequence + 1;
    if (gap) {
      this.counters.gaps += 1;
      for (const entry of this.entries) entry.waiting = true;
      if (!unit.keyframe) this.requestKeyframe();
    }
    let behind = false;
    for (const entry of [...this.entries]) {
      const over = entry.viewer.backlogBytes > this.maxBacklogBytes;
      if (!entry.waiting && over) {
        entry.waiting = true;
        this.counters.skips += 1;
        behind = true;
      }
      if (entry.waiting && (!unit.keyframe || over)) {
        this.counters.skippedUnits += 1;
        continue;
      }
      entry.waiting = false;
      try {
        entry.viewer.send(unit);
      } catch (error) {
        // One broken viewer must not stop the others.
        this.log('warn', `H.264 ${entry.viewer.kind} viewer dropped: ${String(error)}`);
        this.remove(entry);
        entry.viewer.end?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (behind) this.requestKeyframe();
  }

  private requestKeyframe(): void {
    this.counters.keyframeRequests += 1;
    if (!this.running || this.keyframeTimer !== undefined) return;
    const wait = this.lastForwardAt + this.keyframeRequestGapMs - monotonicMs();
    if (wait <= 0) {
      this.forwardKeyframeRequest();
      return;
    }
    // Inside the gap: one request at its end, unless a keyframe comes first.
    this.keyframeTimer = setTimeout(() => {
      this.keyframeTimer = undefined;
      if (this.running) this.forwardKeyframeRequest();
    }, wait);
    this.keyframeTimer.unref();
  }

  private forwardKeyframeRequest(): void {
    this.lastForwardAt = monotonicMs();
    this.counters.keyframeRequestsForwarded += 1;
    this.producer?.requestKeyframe();
  }

  private bitrateKbps(): number {
    const now = monotonicMs();
    const recent = this.window.filter((sample) => sample.at >= now - 1000);
    if (recent.length < 2) return 0;
    const bytes = recent.reduce((sum, sample) => sum + sample.bytes, 0);
    const spanMs = Math.max(now - recent[0]!.at, 1);
    return Math.round((bytes * 8) / spanMs);
  }
}
