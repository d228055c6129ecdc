import type { FrameHub } from '../hub.js';
import type { MjpegClientStats, MjpegWriter } from './mjpeg-writer.js';
export interface ServerCounters {
    /** Frames, drops and bytes of clients that have left (live ones are summed on demand). */
    goneSent: number;
    goneDropped: number;
    goneSkipped: number;
    goneBytes: number;
    connections: number;
    rejected: number;
    requests: Map<string, number>;
}
export interface ServerView {
    instance: string;
    hub: FrameHub;
    clients: ReadonlySet<MjpegWriter>;
    counters: ServerCounters;
    authFailures: number;
    authRefused: number;
    startedAt: number;
}
export interface ClientTotals {
    sent: number;
    dropped: number;
    skipped: number;
    bytes: number;
}
export declare function clientTotals(view: ServerView, live: MjpegClientStats[]): ClientTotals;
export declare function buildState(view: ServerView): object;
