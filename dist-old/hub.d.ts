import { EventEmitter } from 'node:events';
import type { FrameSource, SourceInfo } from './sources/source.js';
import type { Frame } from './types.js';
/** Sources that can stop encoding while nobody watches implement these. */
export interface PausableSource {
    pause(): void;
    resume(): void;
}
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
}
export type FrameListener = (frame: Frame) => void;
/**
 * Events: `frame` (Frame, each frame published to subscribers), `signal` (boolean),
 * `error` (the source failed for good).
 */
export declare class FrameHub extends EventEmitter {
    readonly source: FrameSource;
    private readonly frameListeners;
    private readonly dropSameFrames;
    private readonly refreshMs;
    private readonly noSignalFps;
    private readonly pauseAfterMs;
    private readonly noSignalOption;
    private noSignalFrame;
    private newest;
    private lastSourceFrame;
    private sameInARow;
    private lastPublishAt;
    private refreshTimer;
    private noSignalTimer;
    private pauseTimer;
    private holds;
    private paused;
    private closed;
    private hasSignal;
    private failure;
    /** Counters for /state and /metrics. */
    readonly counters: {
        published: number;
        droppedSame: number;
        refreshed: number;
        noSignal: number;
    };
    /** Captured and encoded frames per second, from the source's counters over the last second. */
    readonly rates: {
        captured: number;
        encoded: number;
        delivered: number;
    };
    private rateSample;
    private readonly onFrame;
    private readonly onDisconnect;
    private readonly onReconnect;
    private readonly onError;
    constructor(source: FrameSource, options?: FrameHubOptions);
    get info(): SourceInfo;
    /** The newest frame sent to subscribers (a NO SIGNAL frame while disconnected). */
    get latest(): Frame | undefined;
    get signal(): boolean;
    /** Why the source stopped for good, if it did. */
    get error(): Error | undefined;
    /** Calls `listener` with every published frame until the returned function is called. */
    subscribe(listener: FrameListener): () => void;
    /** Keeps the source running (e.g. while a snapshot waits) until the returned function is called. */
    hold(): () => void;
    /**
     * The newest frame, waiting up to `timeoutMs` for one when there is none yet, or when the
     * newest is older than `maxAgeMs` or was left behind by a source paused since.
     */
    nextFrame(timeoutMs: number, maxAgeMs?: number): Promise<Frame | undefined>;
    /** Detaches from the source (which the caller closes) and stops the timers. */
    close(): void;
    private accept;
    private publish;
    private sampleRates;
    private refresh;
    private setSignal;
    private renderNoSignal;
    private schedulePause;
}
/** Milliseconds of CLOCK_MONOTONIC, the clock of Frame.timestamp. */
export declare function monotonicMs(): number;
