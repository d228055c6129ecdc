// The turbocam HTTP server: one FrameHub fanned out to every viewer, on TCP, a Unix socket or a
// systemd-passed socket. Closing it ends every stream cleanly; the caller closes the source.
import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TurbocamError } from '../errors.js';
import { h264ProducerOf, type H264Hub } from '../h264/hub.js';
import type { FrameHub, FrameHubOptions } from '../hub.js';
import { abortError, closeOnAbort, throwIfAborted } from '../lifetime.js';
import { native } from '../native.js';
import type { H264Producer } from '../sources/h264-source.js';
import type { FrameSource } from '../sources/source.js';
import { BasicAuth, type Credential } from './auth.js';
import { budgetFor, ConnectionGuard } from './connection-guard.js';
import { baseUrls, listenOn, systemdSocketFd, type ListenTarget } from './listen.js';
import type { MjpegClientStats, MjpegWriter } from './mjpeg-writer.js';
import type { Log } from '../log.js';
import type { Frame } from '../types.js';
import { createRequestHandler, type RouteContext } from './routes.js';
import { acquireH264Hub, acquireHub } from './shared-hub.js';
import { staticRoot } from './static.js';

export interface ServerOptions extends FrameHubOptions {
  source: FrameSource;
  /** What codes H.264 for /ws (MSE) and WebRTC (default: the source itself when it is an
   *  H264Producer, as a Camera with H.264 is; without one /state says H.264 is unavailable). */
  h264?: H264Producer;
  /** A WebRTC viewer must connect within this long, and one whose connection drops come back
   *  within it, or its call is closed (ms, default 15 s). */
  webrtcTimeoutMs?: number;
  /** Basic-auth users; none means no auth. */
  auth?: Credential[];
  /** Origins allowed by CORS (`*` for any); none means no CORS headers. */
  allowOrigin?: string | string[];
  /** Stream clients beyond this get 503 (0: no limit). */
  maxClients?: number;
  /** Serve this directory's files at `/` instead of the page (µStreamer's --static). */
  staticDir?: string;
  /** Let POST /controls (and mjpg-streamer's command) change the source's controls (default off). */
  allowControls?: boolean;
  /** A stream client whose frame has not drained after this long is dropped (ms). */
  stallTimeoutMs?: number;
  /** How long /snapshot waits for a first frame (ms). */
  snapshotTimeoutMs?: number;
  /** Shown in /state, /metrics and the page: tells instances on one board apart. */
  instance?: string;
  /** A connection must deliver a complete request head within this long (ms, default 10 s,
   *  µStreamer's --server-timeout): slowloris clients and silent connections are cut, streams never are. */
  serverTimeoutMs?: number;
  /** Connections from one address that have gone a second without completing a request, at most
   *  (default 16; 0: no cap). */
  maxPendingPerAddress?: number;
  /** Connections held at most; past it the oldest without a request is pushed out for a new one
   *  (default: the soft RLIMIT_NOFILE - 64). */
  connectionBudget?: number;
  log?: Log;
  /** Closes the server when it aborts; already aborted, createServer throws ERR_ABORTED. */
  signal?: AbortSignal;
}

/** The server's events and their arguments. `error` is emitted only while someone listens. */
export interface ServerEvents {
  /** listen() is done: the base URLs of everything listened on. */
  listening: [urls: string[]];
  /** A stream client started, and one left with its final counts. */
  client: [client: MjpegClientStats];
  clientClose: [client: MjpegClientStats];
  /** Each frame the hub publishes to viewers. */
  frame: [frame: Frame];
  /** The source lost (false) or regained (true) its signal: NO SIGNAL frames meanwhile. */
  signal: [online: boolean];
  /** The source failed for good (the server goes on serving NO SIGNAL). */
  error: [error: Error];
  /** close() is done: every stream ended, every listener closed. */
  close: [];
}

export interface ListenOptions {
  host?: string;
  port?: number;
  unix?: string;
  /** Use a socket passed by systemd when there is one (default true). */
  systemd?: boolean;
}

export class TurbocamServer extends EventEmitter<ServerEvents> implements AsyncDisposable {
  readonly hub: FrameHub;
  /** The H.264 stream's hub (shared by every server on one producer): MSE and WebRTC viewers. */
  readonly h264: H264Hub;
  private readonly servers: Server[] = [];
  private readonly context: RouteContext;
  private readonly handler: ReturnType<typeof createRequestHandler>;
  private readonly releaseHub: () => void;
  private readonly releaseH264: () => void;
  private readonly stopWatchingSignal: () => void;
  private readonly signal: AbortSignal | undefined;
  private readonly onFrame = (frame: Frame): void => void this.emit('frame', frame);
  private readonly onSignal = (online: boolean): void => void this.emit('signal', online);
  private readonly onError = (error: Error): void => {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  };
  private closing = false;
  private closed: Promise<void> | undefined;
  private readonly serverTimeoutMs: number;
  private readonly guard: ConnectionGuard;
  private abandoned: { count: number; last: string; timer: NodeJS.Timeout | undefined } = { count: 0, last: '', timer: undefined };
  /** Base URLs of everything listened on, filled by listen(). */
  readonly urls: string[] = [];

  constructor(options: ServerOptions) {
    super();
    throwIfAborted('createServer', options.signal);
    // Checked before the hub is taken, so a bad directory leaves no hub behind.
    const root = options.staticDir === undefined ? undefined : staticRoot(options.staticDir);
    const lease = acquireHub(options.source, options, 'createServer');
    this.hub = lease.hub;
    this.releaseHub = lease.release;
    const log = options.log ?? (() => undefined);
    const h264 = acquireH264Hub(options.h264 ?? h264ProducerOf(options.source), log);
    this.h264 = h264.hub;
    this.releaseH264 = h264.release;
    const origins =
      options.allowOrigin === undefined ? [] : Array.isArray(options.allowOrigin) ? options.allowOrigin : [options.allowOrigin];
    this.context = {
      instance: options.instance ?? options.source.info.name,
      hub: this.hub,
      h264: { hub: this.h264, mse: { connections: 0, rejected: 0, bytes: 0 } },
      clients: new Set<MjpegWriter>(),
      counters: { goneSent: 0, goneDropped: 0, goneSkipped: 0, goneBytes: 0, connections: 0, rejected: 0, requests: new Map() },
      authFailures: 0,
      authRefused: 0,
      startedAt: Date.now(),
      auth: options.auth !== undefined && options.auth.length > 0 ? new BasicAuth(options.auth) : undefined,
      allowOrigins: origins
        .flatMap((o) => o.split(','))
        .map((o) => o.trim())
        .filter((o) => o !== ''),
      maxClients: options.maxClients ?? 0,
      allowControls: options.allowControls ?? false,
      staticRoot: root,
      stallTimeoutMs: options.stallTimeoutMs ?? 10_000,
      snapshotTimeoutMs: options.snapshotTimeoutMs ?? 2000,
      log,
      closing: () => this.closing,
      clientEvents: { connected: (client) => this.emit('client', client), disconnected: (client) => this.emit('clientClose', client) },
      webrtcTimeoutMs: options.webrtcTimeoutMs ?? 15_000,
    };
    this.serverTimeoutMs = options.serverTimeoutMs ?? 10_000;
    this.guard = new ConnectionGuard({
      budget: options.connectionBudget ?? budgetFor(native.fileLimit(false).soft),
      timeoutMs: this.serverTimeoutMs,
      perAddress: options.maxPendingPerAddress ?? 16,
      log: this.context.log,
    });
    this.context.connections = () => this.guard.stats();
    this.handler = createRequestHandler(this.context);
    this.hub.on('frame', this.onFrame);
    this.hub.on('signal', this.onSignal);
    this.hub.on('error', this.onError);
    this.signal = options.signal;
    this.stopWatchingSignal = closeOnAbort(options.signal, () => this.close());
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
    this.checkOpen();
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
      const timeout = this.serverTimeoutMs;
      const server = createHttpServer(
        { connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(timeout / 4))), maxHeaderSize: 16 * 1024 },
        this.handler,
      );
      // The guard cuts connections without a complete head on time (Node checks its own
      // headersTimeout only every connectionsCheckingInterval); Node's deadlines stay as a
      // backstop. requestTimeout bounds receiving the request only, so it never cuts a stream.
      server.headersTimeout = timeout + 1000;
      server.requestTimeout = timeout * 2 + 1000;
      server.keepAliveTimeout = 5_000;
      this.guard.attach(server);
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handler.upgrade(req, socket, head));
      server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => this.refuseClient(error, socket));
      await listenOn(server, target);
      if (this.closing) {
        // Closed (or aborted) while this one was binding: close() did not know of it.
        server.close();
        this.checkOpen();
      }
      this.servers.push(server);
      this.urls.push(...baseUrls(server, target));
    }
    this.emit('listening', [...this.urls]);
    return [...this.urls];
  }

  private checkOpen(): void {
    if (!this.closing) return;
    if (this.signal?.aborted) throw abortError('listen', this.signal);
    throw new TurbocamError('ERR_CLOSED', 'listen: the server is closed');
  }

  // Requests Node's parser rejects (bad request line, oversized head, timeouts) get a status and
  // a log line instead of the default silent answer.
  private refuseClient(error: NodeJS.ErrnoException, socket: Duplex): void {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const address = (socket as Socket).remoteAddress ?? 'unix';
    this.context.counters.requests.set(`other ${status}`, (this.context.counters.requests.get(`other ${status}`) ?? 0) + 1);
    if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE') {
      // The client left halfway through its head: nothing to answer, and a flood of such
      // connections must not become a log line each: one line a second at most.
      socket.destroy();
      this.abandoned.count++;
      this.abandoned.last = address;
      this.abandoned.timer ??= setTimeout(() => {
        const { count, last } = this.abandoned;
        this.abandoned = { count: 0, last: '', timer: undefined };
        this.context.log(
          'info',
          `${count} connection${count === 1 ? '' : 's'} closed by the client before completing a request (last from ${last})`,
        );
      }, 1000).unref();
      return;
    }
    this.context.log('info', `${address}: ${status} ${error.code ?? 'client error'}: ${error.message}`);
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
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
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.stopWatchingSignal();
    this.hub.off('frame', this.onFrame);
    this.hub.off('signal', this.onSignal);
    this.hub.off('error', this.onError);
    const closed = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    this.handler.close();
    for (const server of this.servers) server.closeIdleConnections();
    this.guard.close();
    this.releaseHub();
    this.releaseH264();
    // Clients that ignore the end must not hold shutdown up.
    const force = setTimeout(() => {
      for (const server of this.servers) server.closeAllConnections();
    }, 300);
    await Promise.all(closed);
    clearTimeout(force);
    this.emit('close');
  }

  /** `await using server = await serve(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Creates a server for `options.source`; call listen() on it. */
export function createServer(options: ServerOptions): TurbocamServer {
  return new TurbocamServer(options);
}

/** Creates a server and listens: `await serve({ source, port: 8080 })`. */
export async function serve(options: ServerOptions & ListenOptions): Promise<TurbocamServer> {
  const server = new TurbocamServer(options);
  try {
    await server.listen(options);
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}
