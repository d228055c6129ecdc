// The newest frame and everyone who wants it. Sits between one FrameSource and every client:
// drops byte-identical repeats (bounded), re-sends the newest frame when the stream goes idle so
// browsers keep painting, and shows NO SIGNAL while a persistent source is disconnected.
import { EventEmitter } from 'node:events';
import { monotonicMs } from './clock.js';
import { every, frameDelivered } from './housekeeping.js';
import { canPause, type FrameSource, type SourceInfo } from './sources/source.js';
import type { Frame } from './types.js';
import { PAUSE_AFTER_MS } from './validate.js';

export interface FrameHubOptions {
  /** Skip byte-identical consecutive frames, at most this many in a row (0: never skip). */
  dropSameFrames?: number;
  /** Re-send the newest frame after this long without a new one (ms; 0 disables). */
  refreshMs?: number;
  /** The NO SIGNAL JPEG shown while the source is disconnected. */
  noSignal?: Buffer | ((width: number, height: number) => Buffer);
  /** Rate of NO SIGNAL frames while disconnected. */
  noSignalFps?: number;
  /** How long the source keeps running after the last watcher leaves (ms). */
  pauseAfterMs?: number;
  /**
   * @internal For a process where the hub and its clients are a source's only readers (the CLI):
   * each source frame is handed here once they are all done with it, to give its buffer back to
   * the pool then rather than when V8 collects it.
   */
  giveBack?: (frame: Frame) => void;
}

/** A reader that keeps a frame past the call that gave it: keep() then, letGo() once done. */
export interface FrameKeeper {
  keep(frame: Frame): void;
  letGo(frame: Frame | undefined): void;
}

export type FrameListener = (frame: Frame) => void;

/** The hub's events and their arguments. `error` is emitted only while someone listens. */
export interface FrameHubEvents {
  /** Each frame published to subscribers (refreshes and NO SIGNAL frames included). */
  frame: [frame: Frame];
  /** The source lost (false) or regained (true) its signal. */
  signal: [online: boolean];
  /** The source failed for good. */
  error: [error: Error];
}

export class FrameHub extends EventEmitter<FrameHubEvents> implements FrameKeeper {
  readonly source: FrameSource;
  private readonly frameListeners = new Set<FrameListener>();
  private readonly dropSameFrames: number;
  private readonly refreshMs: number;
  private readonly noSignalFps: number;
  private readonly pauseAfterMs: number;
  private readonly noSignalOption: FrameHubOptions['noSignal'];
  private readonly giveBack: FrameHubOptions['giveBack'];
  /** With giveBack: how many keep each source frame not yet given back (the hub's own two
   *  references, newest and lastSourceFrame, among them). */
  private readonly keepers = new Map<Frame, number>();
  private noSignalFrame: Frame | undefined;
  private newest: Frame | undefined;
  private lastSourceFrame: Frame | undefined;
  private sameInARow = 0;
  private lastPublishAt = 0;
  private readonly stopRefresh: () => void;
  private noSignalTimer: NodeJS.Timeout | undefined;
  private pauseTimer: NodeJS.Timeout | undefined;
  private holds = 0;
  private paused = false;
  private closed = false;
  private hasSignal = true;
  private failure: Error | undefined;
  /** Counters for /state and /metrics. */
  readonly counters = { published: 0, droppedSame: 0, refreshed: 0, noSignal: 0 };
  /** Captured and encoded frames per second, from the source's counters over the last second. */
  readonly rates = { captured: 0, encoded: 0, delivered: 0 };
  private rateSample: { at: number; captured: number; encoded: number; delivered: number } | undefined;
  private readonly onFrame = (frame: Frame): void => this.accept(frame);
  private readonly onDisconnect = (): void => this.setSignal(false);
  private readonly onReconnect = (): void => this.setSignal(true);
  private readonly onError = (error: Error): void => {
    this.failure = error;
    this.setSignal(false);
    if (this.listenerCount('error') > 0) this.emit('error', error);
  };

  constructor(source: FrameSource, options: FrameHubOptions = {}) {
    super();
    this.source = source;
    this.dropSameFrames = Math.max(0, Math.floor(options.dropSameFrames ?? 0));
    this.refreshMs = options.refreshMs ?? 1000;
    this.noSignalFps = options.noSignalFps ?? 2;
    this.pauseAfterMs = options.pauseAfterMs ?? PAUSE_AFTER_MS;
    this.noSignalOption = options.noSignal;
    this.giveBack = options.giveBack;
    source.on('frame', this.onFrame);
    source.on('disconnect', this.onDisconnect);
    source.on('reconnect', this.onReconnect);
    source.on('error', this.onError);
    // A persistent source still waiting for its device: NO SIGNAL until it connects.
    if (source.connected === false) this.setSignal(false);
    // One task samples the rates and, when enabled, refreshes idle streams.
    this.stopRefresh = every(this.refreshMs > 0 ? Math.max(50, Math.floor(this.refreshMs / 4)) : 250, () => this.refresh());
    // Nobody watches yet: let a pausable source rest until someone does.
    this.schedulePause();
  }

  get info(): SourceInfo {
    return this.source.info;
  }

  /** The newest frame sent to subscribers (a NO SIGNAL frame while disconnected). */
  get latest(): Frame | undefined {
    return this.newest;
  }

  get signal(): boolean {
    return this.hasSignal;
  }

  /** Why the source stopped for good, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Calls `listener` with every published frame until the returned function is called. */
  subscribe(listener: FrameListener): () => void {
    this.frameListeners.add(listener);
    const release = this.hold();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.frameListeners.delete(listener);
      release();
    };
  }

  /** Keeps the source running (e.g. while a snapshot waits) until the returned function is called. */
  hold(): () => void {
    this.holds += 1;
    if (this.pauseTimer !== undefined) {
      clearTimeout(this.pauseTimer);
      this.pauseTimer = undefined;
    }
    if (this.paused && canPause(this.source)) {
      this.paused = false;
      this.source.resume();
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.holds -= 1;
      this.schedulePause();
    };
  }

  /**
   * The newest frame, waiting up to `timeoutMs` for one when there is none yet, or when the
   * newest is older than `maxAgeMs` or was left behind by a source paused since.
   */
  async nextFrame(timeoutMs: number, maxAgeMs = Number.POSITIVE_INFINITY): Promise<Frame | undefined> {
    return this.waitForFrame(timeoutMs, maxAgeMs, false);
  }

  /** nextFrame() for a reader that keeps the frame: kept as found, before later frames can let
   *  it go while the promise settles; the caller lets go of it. */
  async nextKeptFrame(timeoutMs: number, maxAgeMs: number): Promise<Frame | undefined> {
    return this.waitForFrame(timeoutMs, maxAgeMs, true);
  }

  keep(frame: Frame): void {
    const count = this.keepers.get(frame);
    if (count !== undefined) this.keepers.set(frame, count + 1);
  }

  letGo(frame: Frame | undefined): void {
    if (frame === undefined) return;
    const count = this.keepers.get(frame);
    if (count === undefined) return;
    if (count > 1) {
      this.keepers.set(frame, count - 1);
      return;
    }
    this.keepers.delete(frame);
    this.giveBack?.(frame);
  }

  private async waitForFrame(timeoutMs: number, maxAgeMs: number, keep: boolean): Promise<Frame | undefined> {
    const current = this.newest;
    if (current !== undefined && !this.paused && (!this.hasSignal || monotonicMs() - current.timestamp <= maxAgeMs)) {
      if (keep) this.keep(current);
      return current;
    }
    const release = this.hold();
    try {
      return await new Promise<Frame | undefined>((resolve) => {
        const done = (frame: Frame | undefined): void => {
          clearTimeout(timer);
          this.off('frame', done);
          if (keep && frame !== undefined) this.keep(frame);
          resolve(frame);
        };
        const timer = setTimeout(() => done(this.newest), timeoutMs);
        this.on('frame', done);
      });
    } finally {
      release();
    }
  }

  /** Detaches from the source (which the caller closes), resumes it if this hub paused it, and
   *  stops the timers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.off('frame', this.onFrame);
    this.source.off('disconnect', this.onDisconnect);
    this.source.off('reconnect', this.onReconnect);
    this.source.off('error', this.onError);
    this.stopRefresh();
    for (const timer of [this.noSignalTimer, this.pauseTimer]) {
      if (timer !== undefined) clearTimeout(timer);
    }
    this.frameListeners.clear();
    // The source goes back as it was found: a hub made for it later (another server) must not
    // inherit a pause it knows nothing of.
    if (this.paused && canPause(this.source)) this.source.resume();
  }

  private accept(frame: Frame): void {
    if (this.closed) return;
    if (!this.hasSignal) this.setSignal(true);
    const previous = this.lastSourceFrame;
    this.lastSourceFrame = frame;
    if (this.giveBack !== undefined) this.keepers.set(frame, 1);
    const same =
      this.dropSameFrames > 0 &&
      previous !== undefined &&
      this.sameInARow < this.dropSameFrames &&
      previous.data.length === frame.data.length &&
      previous.data.equals(frame.data);
    this.letGo(previous);
    if (same) {
      this.sameInARow += 1;
      this.counters.droppedSame += 1;
      return;
    }
    this.sameInARow = 0;
    this.publish(frame);
  }

  private publish(frame: Frame): void {
    const previous = this.newest;
    this.keep(frame);
    this.newest = frame;
    const now = monotonicMs();
    this.lastPublishAt = now;
    this.counters.published += 1;
    for (const listener of this.frameListeners) listener(frame);
    this.emit('frame', frame);
    this.letGo(previous);
    frameDelivered(now);
  }

  private sampleRates(): void {
    const now = monotonicMs();
    const previous = this.rateSample;
    if (previous !== undefined && now - previous.at < 1000) return;
    const { captured, encoded, delivered } = this.source.stats();
    if (previous !== undefined) {
      const seconds = (now - previous.at) / 1000;
      this.rates.captured = Math.round(((captured - previous.captured) / seconds) * 10) / 10;
      this.rates.encoded = Math.round(((encoded - previous.encoded) / seconds) * 10) / 10;
      this.rates.delivered = Math.round(((delivered - previous.delivered) / seconds) * 10) / 10;
    }
    this.rateSample = { at: now, captured, encoded, delivered };
  }

  private refresh(): void {
    this.sampleRates();
    const frame = this.newest;
    if (this.refreshMs <= 0 || frame === undefined || !this.hasSignal || this.frameListeners.size === 0) return;
    if (monotonicMs() - this.lastPublishAt < this.refreshMs) return;
    this.counters.refreshed += 1;
    this.publish(frame);
  }

  private setSignal(signal: boolean): void {
    if (this.closed || signal === this.hasSignal) return;
    this.hasSignal = signal;
    if (signal) {
      this.failure = undefined;
      if (this.noSignalTimer !== undefined) clearInterval(this.noSignalTimer);
      this.noSignalTimer = undefined;
    } else {
      this.letGo(this.lastSourceFrame);
      this.lastSourceFrame = undefined;
      this.sameInARow = 0;
      const sendNoSignal = (): void => {
        const frame = this.renderNoSignal();
        if (frame !== undefined) this.publish(frame);
      };
      sendNoSignal();
      this.noSignalTimer = setInterval(sendNoSignal, Math.round(1000 / Math.max(0.1, this.noSignalFps)));
      this.noSignalTimer.unref();
    }
    this.emit('signal', signal);
  }

  private renderNoSignal(): Frame | undefined {
    const option = this.noSignalOption;
    if (option === undefined) return undefined;
    if (this.noSignalFrame === undefined) {
      const { width, height } = this.source.info;
      const data = typeof option === 'function' ? option(width || 640, height || 480) : option;
      this.noSignalFrame = { data, width: width || 640, height: height || 480, format: 'mjpeg', sequence: 0, timestamp: 0 };
    }
    this.counters.noSignal += 1;
    // A fresh Frame each time so clients see a moving sequence and timestamp; the JPEG is shared.
    return { ...this.noSignalFrame, sequence: this.counters.noSignal, timestamp: monotonicMs() };
  }

  private schedulePause(): void {
    if (this.closed || this.holds > 0 || this.paused || !canPause(this.source)) return;
    if (this.pauseTimer !== undefined) clearTimeout(this.pauseTimer);
    const source = this.source;
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = undefined;
      if (this.holds > 0 || this.closed) return;
      this.paused = true;
      source.pause();
    }, this.pauseAfterMs);
    this.pauseTimer.unref();
  }
}
