import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FrameHub } from '../hub.js';
import type { BasicAuth } from './auth.js';
import { MjpegWriter } from './mjpeg-writer.js';
import { type ServerView } from './state.js';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Log = (level: LogLevel, message: string) => void;
export interface RouteContext extends ServerView {
    hub: FrameHub;
    clients: Set<MjpegWriter>;
    auth: BasicAuth | undefined;
    allowOrigins: string[];
    maxClients: number;
    stallTimeoutMs: number;
    snapshotTimeoutMs: number;
    log: Log;
    closing: () => boolean;
}
export declare function createRequestHandler(ctx: RouteContext): (req: IncomingMessage, res: ServerResponse) => void;
