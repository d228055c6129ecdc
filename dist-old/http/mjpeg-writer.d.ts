import type { ServerResponse } from 'node:http';
import type { Frame } from '../types.js';
export declare const BOUNDARY = "turbocamframe";
export interface MjpegWriterOptions {
    /** Cap this client's rate (0: as fast as frames come and the client drains). */
    fps?: number;
    /** Add no-cache headers to every part (µStreamer's `extra_headers`). */
    extraHeaders?: boolean;
    /** Send each part's headers right after the previous frame, before the JPEG is known
     *  (µStreamer's `advance_headers`; the parts then carry no Content-Length). */
    advanceHeaders?: boolean;
    /** Send every frame twice, so WebKit paints the final one (µStreamer's `dual_final_frames`). */
    dualFinalFrames?: boolean;
    /** Drop the client when a frame has not drained after this long (ms). */
    stallTimeoutMs?: number;
    /** Client-chosen label shown in /state (µStreamer's `key`). */
    key?: string;
    /** Cap the kernel send buffer to about two frames (default true). */
    capSendBuffer?: boolean;
}
export interface MjpegClientStats {
    id: number;
    address: string;
    key: string | undefined;
    connectedAt: number;
    sent: number;
    /** Frames skipped because the client had not drained the previous one. */
    dropped: number;
    /** Frames skipped by the client's own `?fps=` cap. */
    skipped: number;
    bytes: number;
    fps: number;
    fpsCap: number;
}
export declare class MjpegWriter {
    readonly id: number;
    readonly address: string;
    private readonly res;
    private readonly options;
    private sendBuffer;
    private readonly minIntervalMs;
    private readonly connectedAt;
    private inFlight;
    private pending;
    private lastSentAt;
    private lastSentSequence;
    private capTimer;
    private stallTimer;
    private closed;
    private sent;
    private dropped;
    private skipped;
    private bytes;
    private readonly recentSends;
    private readonly onClose;
    constructor(res: ServerResponse, address: string, options: MjpegWriterOptions, onClose: () => void);
    /** Writes the response head and the opening boundary. */
    start(extraResponseHeaders: Record<string, string>): void;
    /** Offers the newest frame; sent now, or when the client drains, or when its fps cap allows. */
    offer(frame: Frame): void;
    stats(): MjpegClientStats;
    /** Ends the stream (server shutdown). */
    end(): void;
    close(): void;
    private flush;
    private send;
    private partHeaders;
    private drained;
    private armStallTimer;
}
