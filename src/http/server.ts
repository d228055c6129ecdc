// The turbocam HTTP server: one FrameHub fanned out to every viewer, on TCP, a Unix socket or a
// systemd-passed socket. Closing it ends every stream cleanly; the caller closes the source.
import { createServer as createHttpServer, type Server } from 'node:http';
import { FrameHub, type FrameHubOptions } from '../hub.js';
import { renderNoSignal } from '../no-signal.js';
import type { FrameSource } from '../sources/source.js';
import { BasicAuth, type Credential } from './auth.js';
import { baseUrls, listenOn, systemdSocketFd, type ListenTarget } from './listen.js';
import type { MjpegWriter } from './mjpeg-writer.js';
import { createRequestHandler, type Log, type RouteContext } from './routes.js';

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
  log?: Log;
}

export interface ListenOptions {
  host?: string;
  port?: number;
  unix?: string;
  /** Use a socket passed by systemd when there is one (default true). */
  systemd?: boolean;
}

export class TurbocamServer {
  readonly hub: FrameHub;
  private readonly servers: Server[] = [];
  private readonly context: RouteContext;
  private readonly handler: ReturnType<typeof createRequestHandler>;
  private closing = false;
  /** Base URLs of everything listened on, filled by listen(). */
  readonly urls: string[] = [];

  constructor(options: ServerOptions) {
    this.hub = new FrameHub(options.source, { ...options, noSignal: options.noSignal ?? renderNoSignal });
    const origins = options.allowOrigin === undefined ? [] : Array.isArray(options.allowOrigin) ? options.allowOrigin : [options.allowOrigin];
    this.context = {
      instance: options.instance ?? options.source.info.name,
      hub: this.hub,
      clients: new Set<MjpegWriter>(),
      counters: { goneSent: 0, goneDropped: 0, goneSkipped: 0, goneBytes: 0, connections: 0, rejected: 0, requests: new Map() },
      authFailures: 0,
      authRefused: 0,
      startedAt: Date.now(),
      auth: options.auth !== undefined && options.auth.length > 0 ? new BasicAuth(options.auth) : undefined,
      allowOrigins: origins.flatMap((o) => o.split(',')).map((o) => o.trim()).filter((o) => o !== ''),
      maxClients: options.maxClients ?? 0,
      stallTimeoutMs: options.stallTimeoutMs ?? 10_000,
      snapshotTimeoutMs: options.snapshotTimeoutMs ?? 2000,
      log: options.log ?? (() => undefined),
      closing: () => this.closing,
    };
    this.handler = createRequestHandler(this.context);
  }

  /** Connected stream clients. */
  get clientCount(): number {
    return this.context.clients.size;
  }

  /**
   * Listens where told: a systemd socket if one was passed, else the Unix socket and/or TCP
   * (127.0.0.1:8080 by default). Resolves with the base URLs.
   */
  async listen(options: ListenOptions = {}): Promise<string[]> {
    const targets: ListenTarget[] = [];
    const fd = options.systemd === false ? undefined : systemdSocketFd();
    if (fd !== undefined) {
      targets.push({ kind: 'systemd', fd });
      // Children must not believe the socket is theirs.
      delete process.env.LISTEN_FDS;
      delete process.env.LISTEN_PID;
    } else {
      if (options.unix !== undefined) targets.push({ kind: 'unix', path: options.unix });
      if (options.unix === undefined || options.port !== undefined || options.host !== undefined) {
        targets.push({ kind: 'tcp', host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
      }
    }
    for (const target of targets) {
      const server = createHttpServer(this.handler);
      // Streams are long-lived: no request/header timeouts may cut them.
      server.requestTimeout = 0;
      server.headersTimeout = 30_000;
      server.keepAliveTimeout = 5_000;
      await listenOn(server, target);
      this.servers.push(server);
      this.urls.push(...baseUrls(server, target));
    }
    return [...this.urls];
  }

  /** TCP port of the first TCP listener (handy with port 0). */
  get port(): number | undefined {
    for (const server of this.servers) {
      const address = server.address();
      if (address !== null && typeof address === 'object') return address.port;
    }
    return undefined;
  }

  /** Stops accepting, ends every stream, and detaches from the source (which stays open). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closed = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const writer of [...this.context.clients]) writer.end();
    for (const server of this.servers) server.closeIdleConnections();
    this.hub.close();
    // Clients that ignore the end must not hold shutdown up.
    const force = setTimeout(() => {
      for (const server of this.servers) server.closeAllConnections();
    }, 300);
    await Promise.all(closed);
    clearTimeout(force);
  }
}

/** Creates a server for `options.source`; call listen() on it. */
export function createServer(options: ServerOptions): TurbocamServer {
  return new TurbocamServer(options);
}

/** Creates a server and listens: `await serve({ source, port: 8080 })`. */
export async function serve(options: ServerOptions & ListenOptions): Promise<TurbocamServer> {
  const server = new TurbocamServer(options);
  await server.listen(options);
  return server;
}
