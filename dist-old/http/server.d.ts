import { FrameHub, type FrameHubOptions } from '../hub.js';
import type { FrameSource } from '../sources/source.js';
import { type Credential } from './auth.js';
import { type Log } from './routes.js';
export interface ServerOptions extends FrameHubOptions {
    source: FrameSource;
    /** Basic-auth users; none means no auth. */
    auth?: Credential[];
    /** Origins allowed by CORS (`*` for any); none means no CORS headers. */
    allowOrigin?: string | string[];
    /** Stream clients beyond this get 503 (0: no limit). */
    maxClients?: number;
    /** A stream client whose frame has not drained after this long is dropped (ms). */
    stallTimeoutMs?: number;
    /** How long /snapshot waits for a first frame (ms). */
    snapshotTimeoutMs?: number;
    /** Shown in /state, /metrics and the page: tells instances on one board apart. */
    instance?: string;
    /** A connection must deliver a complete request head within this long (ms, default 30 s):
     *  slowloris clients and silent connections are cut, streams never are. */
    headersTimeoutMs?: number;
    log?: Log;
}
export interface ListenOptions {
    host?: string;
    port?: number;
    unix?: string;
    /** Use a socket passed by systemd when there is one (default true). */
    systemd?: boolean;
}
export declare class TurbocamServer {
    readonly hub: FrameHub;
    private readonly servers;
    private readonly context;
    private readonly handler;
    private closing;
    private readonly headersTimeoutMs;
    /** Base URLs of everything listened on, filled by listen(). */
    readonly urls: string[];
    constructor(options: ServerOptions);
    /** Connected stream clients. */
    get clientCount(): number;
    /**
     * Listens where told: a systemd socket if one was passed, else the Unix socket and/or TCP
     * (127.0.0.1:8080 by default). Resolves with the base URLs.
     */
    listen(options?: ListenOptions): Promise<string[]>;
    private refuseClient;
    /** TCP port of the first TCP listener (handy with port 0). */
    get port(): number | undefined;
    /** Stops accepting, ends every stream, and detaches from the source (which stays open). */
    close(): Promise<void>;
}
/** Creates a server for `options.source`; call listen() on it. */
export declare function createServer(options: ServerOptions): TurbocamServer;
/** Creates a server and listens: `await serve({ source, port: 8080 })`. */
export declare function serve(options: ServerOptions & ListenOptions): Promise<TurbocamServer>;
