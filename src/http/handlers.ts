// The MJPEG stream and the snapshot as plain node:http request handlers, for servers the user
// already runs (Express, Fastify through reply.hijack(), node:http) and for turbocam's own server,
// which routes /stream and /snapshot to these same routes. Every handler and server on one source
// shares its hub (shared-hub.ts), so a frame is encoded once however many of them serve it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FrameHub, FrameHubOptions } from '../hub.js';
import type { Log } from '../log.js';
import type { FrameSource } from '../sources/source.js';
import { checkRange, invalidArg } from '../validate.js';
import { MjpegWriter, type MjpegClientStats, type MjpegWriterOptions } from './mjpeg-writer.js';
import { acquireHub } from './shared-hub.js';
import { clientTotals, type StreamCounters } from './state.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface MjpegHandlerOptions extends FrameHubOptions {
  /** Cap every client at this rate (0: no cap); a client's `?fps=N` may only lower it. */
  fps?: number;
  /** Stream clients beyond this get 503 (0: no limit). */
  maxClients?: number;
  /** A client whose frame has not drained after this long is dropped (ms, default 10 s). */
  stallTimeoutMs?: number;
  /** Connects, disconnects and refusals, as the built-in server logs them. */
  log?: Log;
}

export interface SnapshotHandlerOptions extends FrameHubOptions {
  /** How long a request waits for a first frame before a 503 (ms, default 2000). */
  timeoutMs?: number;
  log?: Log;
}

export interface MjpegHandlerStats {
  /** The clients streaming now. */
  clients: MjpegClientStats[];
  /** Stream clients accepted, and refused by `maxClients`. */
  connections: number;
  rejected: number;
  /** Frames, drops and bytes of every client so far, those gone included. */
  sent: number;
  dropped: number;
  skipped: number;
  bytes: number;
}

/** A node:http request listener streaming the source as multipart/x-mixed-replace. */
export interface MjpegHandler extends RequestListener {
  /** The hub this handler shares with every other handler and server on its source. */
  readonly hub: FrameHub;
  readonly clientCount: number;
  stats(): MjpegHandlerStats;
  /** Ends this handler's streams, answers later requests 503, and gives the hub back. The source
   *  stays open. */
  close(): void;
}

/** A node:http request listener answering with the newest JPEG. */
export interface SnapshotHandler extends RequestListener {
  readonly hub: FrameHub;
  close(): void;
}

/** What the built-in server adds around a route: CORS headers, its refusal format and request
 *  counts. Handlers made by the user get plain JSON refusals. */
export interface RouteHooks {
  headers: (req: IncomingMessage) => Record<string, string>;
  refuse: (req: IncomingMessage, res: ServerResponse, status: number, message: string, headers?: Record<string, string>) => void;
  accepted: () => void;
  /** A stream client started, and one left (with its final counts). */
  connected?: (client: MjpegClientStats) => void;
  disconnected?: (client: MjpegClientStats) => void;
}

export interface StreamRoute extends RequestListener {
  readonly clients: ReadonlySet<MjpegWriter>;
  readonly counters: StreamCounters;
  close(): void;
}

export interface StreamSettings {
  fps: number;
  maxClients: number;
  stallTimeoutMs: number;
  log: Log;
}

export function clientAddress(req: IncomingMessage): string {
  const socket = req.socket;
  if (socket.remoteAddress === undefined) return 'unix';
  return `${socket.remoteAddress}:${socket.remotePort ?? 0}`;
}

/** Every refusal leaves a log line: hostile or broken clients must be visible, not silent. */
export function logRefusal(log: Log, req: IncomingMessage, status: number, message: string): void {
  log(
    status >= 500 ? 'warn' : 'info',
    `${clientAddress(req)} ${JSON.stringify(`${req.method ?? ''} ${req.url ?? ''}`.slice(0, 200))}: ${status} ${message}`,
  );
}

/** A JSON answer (no body for HEAD), never cached. */
export function writeJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value !== '0' && value !== 'false' && value !== '';
}

function queryOf(req: IncomingMessage): URLSearchParams | undefined {
  try {
    return new URL(req.url ?? '/', 'http://turbocam.invalid').searchParams;
  } catch {
    return undefined;
  }
}

/** The stream route on a hub: the built-in server's /stream, and mjpegHandler's body. */
export function createStreamRoute(
  hub: FrameHub,
  settings: StreamSettings,
  hooks: RouteHooks,
  state: { clients: Set<MjpegWriter>; counters: StreamCounters } = { clients: new Set(), counters: newCounters() },
): StreamRoute {
  const { clients, counters } = state;
  const { log } = settings;
  let closed = false;

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    if (closed) {
      hooks.refuse(req, res, 503, 'shutting down', { Connection: 'close' });
      return;
    }
    if (settings.maxClients > 0 && clients.size >= settings.maxClients) {
      counters.rejected += 1;
      hooks.refuse(req, res, 503, `too many clients (at most ${settings.maxClients})`, { 'Retry-After': '5' });
      return;
    }
    if (req.method === 'HEAD') {
      hooks.accepted();
      res.writeHead(200, {
        ...hooks.headers(req),
        'Content-Type': 'multipart/x-mixed-replace; boundary=turbocamframe',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    const query = queryOf(req);
    if (query === undefined) {
      hooks.refuse(req, res, 400, 'malformed request target', { Connection: 'close' });
      return;
    }
    const asked = Number(query.get('fps') ?? 0);
    // Refused rather than ignored: a typo should not silently stream at full rate.
    if (!Number.isFinite(asked) || asked < 0 || asked > 1000) {
      hooks.refuse(req, res, 400, 'fps wants a number in [0, 1000]');
      return;
    }
    // Shown in logs and /state: printable and short, so it cannot forge log lines.
    const key = query
      .get('key')
      ?.replace(/[^\x20-\x7e]/g, '?')
      .slice(0, 64);
    const fps = settings.fps > 0 && (asked === 0 || asked > settings.fps) ? settings.fps : asked;
    const options: MjpegWriterOptions = {
      fps,
      extraHeaders: flag(query, 'extra_headers'),
      advanceHeaders: flag(query, 'advance_headers'),
      dualFinalFrames: flag(query, 'dual_final_frames'),
      stallTimeoutMs: settings.stallTimeoutMs,
      keeper: hub,
    };
    if (key !== undefined) options.key = key;
    const address = clientAddress(req);
    hooks.accepted();
    counters.connections += 1;
    let unsubscribe: (() => void) | undefined;
    const writer = new MjpegWriter(res, address, options, () => {
      unsubscribe?.();
      clients.delete(writer);
      const stats = writer.stats();
      counters.goneSent += stats.sent;
      counters.goneDropped += stats.dropped;
      counters.goneSkipped += stats.skipped;
      counters.goneBytes += stats.bytes;
      log('info', `client ${writer.id} ${address} disconnected: ${stats.sent} frames sent, ${stats.dropped} dropped`);
      hooks.disconnected?.(stats);
    });
    clients.add(writer);
    log('info', `client ${writer.id} ${address} connected${key === undefined ? '' : ` (key ${key})`}${fps ? ` at ${fps} fps` : ''}`);
    writer.start(hooks.headers(req));
    hooks.connected?.(writer.stats());
    unsubscribe = hub.subscribe((frame) => writer.offer(frame));
    // The newest frame right away: a static scene may not produce another for a while.
    const latest = hub.latest;
    if (latest !== undefined) writer.offer(latest);
  };

  return Object.assign(route, {
    clients,
    counters,
    close: () => {
      closed = true;
      for (const writer of [...clients]) writer.end();
    },
  });
}

/** The snapshot route on a hub: the newest frame, waiting up to `timeoutMs` for one younger than
 *  a second (a paused source's last frame is stale). */
export function createSnapshotRoute(hub: FrameHub, timeoutMs: number, log: Log, hooks: RouteHooks): RequestListener & { close(): void } {
  let closed = false;
  const snapshot = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const frame = await hub.nextKeptFrame(timeoutMs, 1000);
    // Kept until the response is done with its bytes (sent or cut off).
    if (res.destroyed) {
      hub.letGo(frame);
      return;
    }
    res.once('close', () => hub.letGo(frame));
    if (frame === undefined || !hub.signal) {
      hooks.refuse(req, res, 503, hub.signal ? 'no frame yet' : 'no signal', { 'Retry-After': '1' });
      return;
    }
    hooks.accepted();
    res.writeHead(200, {
      ...hooks.headers(req),
      'Content-Type': 'image/jpeg',
      'Content-Length': frame.data.length,
      'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
      'X-Timestamp': (frame.timestamp / 1000).toFixed(6),
      'X-Sequence': String(frame.sequence),
      'X-Width': String(frame.width),
      'X-Height': String(frame.height),
    });
    res.end(req.method === 'HEAD' ? undefined : frame.data);
  };
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    if (closed) {
      hooks.refuse(req, res, 503, 'shutting down', { Connection: 'close' });
      return;
    }
    snapshot(req, res).catch((cause: unknown) => {
      log('error', `snapshot failed: ${String(cause)}`);
      if (res.headersSent) res.destroy();
      else hooks.refuse(req, res, 500, 'snapshot failed');
    });
  };
  return Object.assign(route, {
    close: () => {
      closed = true;
    },
  });
}

export function newCounters(): StreamCounters {
  return { goneSent: 0, goneDropped: 0, goneSkipped: 0, goneBytes: 0, connections: 0, rejected: 0 };
}

// Handlers made by the user: refusals as the built-in server words them (JSON, logged), no CORS
// (the user's framework adds its own headers before calling the handler).
function plainHooks(log: Log): RouteHooks {
  return {
    headers: () => ({}),
    refuse: (req, res, status, message, headers = {}) => {
      logRefusal(log, req, status, message);
      writeJson(req, res, status, { ok: false, error: { status, message } }, headers);
    },
    accepted: () => undefined,
  };
}

function checkNonNegative(where: string, name: string, value: number | undefined): void {
  if (value !== undefined) checkRange(where, name, value, { min: 0, max: Number.POSITIVE_INFINITY, integer: false });
}

/**
 * `(req, res) => void` streaming `source` as MJPEG, with the built-in server's per-client
 * backpressure, stall cuts and `?fps=`/`?key=` query. Mount it on any route:
 * `app.get('/stream', mjpegHandler(camera))`, or in Fastify `reply.hijack(); handler(request.raw, reply.raw)`.
 */
export function mjpegHandler(source: FrameSource, options: MjpegHandlerOptions = {}): MjpegHandler {
  if (typeof source?.on !== 'function' || typeof source.stats !== 'function')
    throw invalidArg('mjpegHandler', 'source', 'a FrameSource (a Camera, a relay, or an EventEmitter that emits frame)', source);
  checkNonNegative('mjpegHandler', 'fps', options.fps);
  checkNonNegative('mjpegHandler', 'maxClients', options.maxClients);
  checkNonNegative('mjpegHandler', 'stallTimeoutMs', options.stallTimeoutMs);
  const log = options.log ?? (() => undefined);
  const { hub, release } = acquireHub(source, options, 'mjpegHandler');
  const settings = { fps: options.fps ?? 0, maxClients: options.maxClients ?? 0, stallTimeoutMs: options.stallTimeoutMs ?? 10_000, log };
  const route = createStreamRoute(hub, settings, plainHooks(log));
  const handler = (req: IncomingMessage, res: ServerResponse): void => route(req, res);
  return Object.defineProperties(handler, {
    hub: { value: hub, enumerable: true },
    clientCount: { get: () => route.clients.size, enumerable: true },
    stats: { value: (): MjpegHandlerStats => streamStats(route) },
    close: {
      value: () => {
        route.close();
        release();
      },
    },
  }) as MjpegHandler;
}

/** `(req, res) => void` answering with the source's newest JPEG (503 while there is none or no
 *  signal), with X-Sequence, X-Timestamp, X-Width and X-Height headers. */
export function snapshotHandler(source: FrameSource, options: SnapshotHandlerOptions = {}): SnapshotHandler {
  if (typeof source?.on !== 'function' || typeof source.stats !== 'function')
    throw invalidArg('snapshotHandler', 'source', 'a FrameSource (a Camera, a relay, or an EventEmitter that emits frame)', source);
  checkNonNegative('snapshotHandler', 'timeoutMs', options.timeoutMs);
  const log = options.log ?? (() => undefined);
  const { hub, release } = acquireHub(source, options, 'snapshotHandler');
  const route = createSnapshotRoute(hub, options.timeoutMs ?? 2000, log, plainHooks(log));
  const handler = (req: IncomingMessage, res: ServerResponse): void => route(req, res);
  return Object.defineProperties(handler, {
    hub: { value: hub, enumerable: true },
    close: {
      value: () => {
        route.close();
        release();
      },
    },
  }) as SnapshotHandler;
}

function streamStats(route: StreamRoute): MjpegHandlerStats {
  const clients = [...route.clients].map((client) => client.stats());
  return { clients, connections: route.counters.connections, rejected: route.counters.rejected, ...clientTotals(route.counters, clients) };
}
