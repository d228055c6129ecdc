import { EventEmitter } from 'node:events';
import type { Frame } from '../types.js';
import type { FrameSource, SourceInfo, SourceStats } from './source.js';
export interface RelayOptions {
    url: string;
    /** Keep retrying when the upstream cannot be reached at start too (default false: reject). */
    persistent?: boolean;
    /** No bytes for this long counts as a lost upstream (ms). */
    timeoutMs?: number;
    /** Delay between reconnection attempts (ms). */
    retryMs?: number;
}
export declare class RelaySource extends EventEmitter implements FrameSource {
    readonly info: SourceInfo;
    private readonly url;
    private readonly timeoutMs;
    private readonly retryMs;
    private request;
    private stallTimer;
    private retryTimer;
    private online;
    private everOnline;
    private closed;
    private sequence;
    private readonly counters;
    private readonly recent;
    /** False until the upstream sends its first frame and while it is lost: the hub shows NO SIGNAL. */
    get connected(): boolean;
    constructor(options: RelayOptions);
    stats(): SourceStats;
    [Symbol.asyncIterator](): AsyncIterator<Frame>;
    close(): Promise<void>;
    /** Connects; resolves at the first frame, rejects with the first failure. */
    connect(): Promise<void>;
    /** Keeps retrying from now on, whatever happened to the first attempt. */
    retryForever(): void;
    private attempt;
    private deliver;
    private lost;
    private scheduleRetry;
    private armStall;
}
/**
 * Opens a relay of the MJPEG stream at `options.url`. Resolves once the first frame arrived;
 * rejects when the upstream cannot be reached, unless `persistent` (then it retries until it can,
 * showing NO SIGNAL meanwhile).
 */
export declare function openRelay(options: RelayOptions): Promise<RelaySource>;
