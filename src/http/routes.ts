// Request dispatch: auth, CORS, the routes and their JSON 404 / 405 answers.
// Paths follow µStreamer (/stream, /snapshot, /state) and mjpg-streamer (/?action=...), so tools
// scripted for either find turbocam a drop-in replacement.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FrameHub } from '../hub.js';
import type { Log } from '../log.js';
import { sourceControls } from '../sources/source.js';
import type { BasicAuth } from './auth.js';
import { createControlsRoute } from './controls.js';
import { renderMetrics } from './metrics.js';
import { MjpegWriter, type MjpegWriterOptions } from './mjpeg-writer.js';
import { renderPage } from './page.js';
import { resolveStatic, sendStatic } from './static.js';
import { buildState, type ServerView } from './state.js';

export interface RouteContext extends ServerView {
  hub: FrameHub;
  clients: Set<MjpegWriter>;
  auth: BasicAuth | undefined;
  allowOrigins: string[];
  maxClients: number;
  /** POST /controls and mjpg-streamer's command may change camera controls. */
  allowControls: boolean;
  /** A directory served at `/` in place of the page (µStreamer's --static), as a real path. */
  staticRoot: string | undefined;
  stallTimeoutMs: number;
  snapshotTimeoutMs: number;
  log: Log;
  closing: () => boolean;
}

type Route = 'page' | 'stream' | 'snapshot' | 'state' | 'metrics' | 'controls' | 'command' | 'static';

const ROUTES: Record<string, Route> = {
  '/': 'page',
  '/index.html': 'page',
  '/stream': 'stream',
  '/snapshot': 'snapshot',
  '/state': 'state',
  '/metrics': 'metrics',
  '/controls': 'controls',
};

const MJPG_STREAMER_ACTIONS: Record<string, Route> = { stream: 'stream', snapshot: 'snapshot', command: 'command' };

function clientAddress(req: IncomingMessage): string {
  const socket = req.socket;
  if (socket.remoteAddress === undefined) return 'unix';
  return `${socket.remoteAddress}:${socket.remotePort ?? 0}`;
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value !== '0' && value !== 'false' && value !== '';
}

export function createRequestHandler(ctx: RouteContext): (req: IncomingMessage, res: ServerResponse) => void {
  const count = (route: string, code: number): void => {
    const key = `${route} ${code}`;
    ctx.counters.requests.set(key, (ctx.counters.requests.get(key) ?? 0) + 1);
  };

  const corsHeaders = (req: IncomingMessage): Record<string, string> => {
    if (ctx.allowOrigins.length === 0) return {};
    if (ctx.allowOrigins.includes('*')) return { 'Access-Control-Allow-Origin': '*' };
    const origin = req.headers.origin;
    if (origin !== undefined && ctx.allowOrigins.includes(origin)) return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
    return { Vary: 'Origin' };
  };

  const sendJson = (req: IncomingMessage, res: ServerResponse, route: string, status: number, body: object, headers: Record<string, string> = {}): void => {
    const text = `${JSON.stringify(body)}\n`;
    count(route, status);
    res.writeHead(status, {
      ...corsHeaders(req),
      ...headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  const sendText = (req: IncomingMessage, res: ServerResponse, route: string, type: string, text: string): void => {
    count(route, 200);
    res.writeHead(200, { ...corsHeaders(req), 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  // Every refusal leaves a log line: hostile or broken clients must be visible, not silent.
  const error = (req: IncomingMessage, res: ServerResponse, route: string, status: number, message: string, headers: Record<string, string> = {}): void => {
    ctx.log(status >= 500 ? 'warn' : 'info', `${clientAddress(req)} ${JSON.stringify(`${req.method ?? ''} ${req.url ?? ''}`.slice(0, 200))}: ${status} ${message}`);
    sendJson(req, res, route, status, { ok: false, error: { status, message } }, headers);
  };

  const controls = createControlsRoute(
    ctx.hub.source,
    { writable: ctx.allowControls, allowOrigins: ctx.allowOrigins.filter((o) => o !== '*') },
    {
      json: (req, res, status, body) => sendJson(req, res, 'controls', status, body),
      refuse: (req, res, status, message) => error(req, res, 'controls', status, message),
    },
  );
  const pageShowsControls = ctx.allowControls && sourceControls(ctx.hub.source) !== undefined;

  const snapshot = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const frame = await ctx.hub.nextFrame(ctx.snapshotTimeoutMs, 1000);
    if (res.destroyed) return;
    if (frame === undefined || !ctx.hub.signal) {
      error(req, res, 'snapshot', 503, ctx.hub.signal ? 'no frame yet' : 'no signal', { 'Retry-After': '1' });
      return;
    }
    count('snapshot', 200);
    res.writeHead(200, {
      ...corsHeaders(req),
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

  const stream = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void => {
    if (ctx.maxClients > 0 && ctx.clients.size >= ctx.maxClients) {
      ctx.counters.rejected += 1;
      error(req, res, 'stream', 503, `too many clients (--max-clients ${ctx.maxClients})`, { 'Retry-After': '5' });
      return;
    }
    if (req.method === 'HEAD') {
      count('stream', 200);
      res.writeHead(200, { ...corsHeaders(req), 'Content-Type': 'multipart/x-mixed-replace; boundary=turbocamframe', 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    const fps = Number(query.get('fps') ?? 0);
    // Shown in logs and /state: printable and short, so it cannot forge log lines.
    const key = query.get('key')?.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
    // Refused rather than ignored: a typo should not silently stream at full rate.
    if (!Number.isFinite(fps) || fps < 0 || fps > 1000) {
      error(req, res, 'stream', 400, 'fps wants a number in [0, 1000]');
      return;
    }
    const options: MjpegWriterOptions = {
      fps,
      extraHeaders: flag(query, 'extra_headers'),
      advanceHeaders: flag(query, 'advance_headers'),
      dualFinalFrames: flag(query, 'dual_final_frames'),
      stallTimeoutMs: ctx.stallTimeoutMs,
    };
    if (key !== undefined) options.key = key;
    const address = clientAddress(req);
    count('stream', 200);
    ctx.counters.connections += 1;
    let unsubscribe: (() => void) | undefined;
    const writer = new MjpegWriter(res, address, options, () => {
      unsubscribe?.();
      ctx.clients.delete(writer);
      const stats = writer.stats();
      ctx.counters.goneSent += stats.sent;
      ctx.counters.goneDropped += stats.dropped;
      ctx.counters.goneSkipped += stats.skipped;
      ctx.counters.goneBytes += stats.bytes;
      ctx.log('info', `client ${writer.id} ${address} disconnected: ${stats.sent} frames sent, ${stats.dropped} dropped`);
    });
    ctx.clients.add(writer);
    ctx.log('info', `client ${writer.id} ${address} connected${key === undefined ? '' : ` (key ${key})`}${options.fps ? ` at ${options.fps} fps` : ''}`);
    writer.start(corsHeaders(req));
    unsubscribe = ctx.hub.subscribe((frame) => writer.offer(frame));
    // The newest frame right away: a static scene may not produce another for a while.
    const latest = ctx.hub.latest;
    if (latest !== undefined) writer.offer(latest);
  };

  return (req, res) => {
    // A complete request head arrived: the server's head deadline no longer applies.
    req.socket.setTimeout(0);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://turbocam.invalid');
    } catch {
      // e.g. `//[` parses as an authority with a broken host.
      error(req, res, 'other', 400, 'malformed request target', { Connection: 'close' });
      return;
    }
    let route = ROUTES[url.pathname];
    const action = url.searchParams.get('action');
    if (route === 'page' && action !== null) route = MJPG_STREAMER_ACTIONS[action];
    else if (ctx.staticRoot !== undefined && (route === 'page' || route === undefined)) route = 'static';
    if (route === undefined) {
      error(req, res, 'other', 404, `no such resource: ${url.pathname}`);
      return;
    }
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS' && ctx.allowOrigins.length > 0) {
      count(route, 204);
      res.writeHead(204, {
        ...corsHeaders(req),
        'Access-Control-Allow-Methods': route === 'controls' ? 'GET, HEAD, POST, OPTIONS' : 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': route === 'controls' ? 'Authorization, Content-Type' : 'Authorization',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const post = method === 'POST' && route === 'controls';
    if (method !== 'GET' && method !== 'HEAD' && !post) {
      const allow = `GET, HEAD${route === 'controls' ? ', POST' : ''}${ctx.allowOrigins.length > 0 ? ', OPTIONS' : ''}`;
      error(req, res, route, 405, `method ${method} not allowed on ${url.pathname}`, { Allow: allow });
      return;
    }
    if (ctx.auth !== undefined) {
      const verdict = ctx.auth.check(req);
      ctx.authFailures = ctx.auth.failuresTotal;
      ctx.authRefused = ctx.auth.refusedTotal;
      if (!verdict.ok) {
        if (verdict.status === 429) {
          error(req, res, route, 429, 'too many failed logins', { 'Retry-After': String(Math.max(1, verdict.retryAfterS)) });
        } else {
          error(req, res, route, 401, 'authentication required', { 'WWW-Authenticate': 'Basic realm="turbocam", charset="UTF-8"' });
        }
        return;
      }
    }
    if (ctx.closing()) {
      error(req, res, route, 503, 'shutting down', { Connection: 'close' });
      return;
    }
    switch (route) {
      case 'page':
        sendText(req, res, route, 'text/html; charset=utf-8', renderPage(`${ctx.hub.info.name}`, { controls: pageShowsControls }));
        return;
      case 'state':
        sendJson(req, res, route, 200, buildState(ctx));
        return;
      case 'metrics':
        sendText(req, res, route, 'text/plain; version=0.0.4; charset=utf-8', renderMetrics(ctx));
        return;
      case 'snapshot':
        snapshot(req, res).catch((cause: unknown) => {
          ctx.log('error', `snapshot failed: ${String(cause)}`);
          if (!res.headersSent) error(req, res, route, 500, 'snapshot failed');
        });
        return;
      case 'stream':
        stream(req, res, url.searchParams);
        return;
      case 'controls':
        void (post ? controls.set(req, res) : controls.list(req, res));
        return;
      case 'command':
        void controls.command(req, res, url.searchParams);
        return;
      case 'static':
        void resolveStatic(ctx.staticRoot!, url.pathname).then((file) => {
          if (res.destroyed) return;
          if (file.status !== 200) {
            error(req, res, route, file.status, file.message);
            return;
          }
          count(route, 200);
          sendStatic(req, res, file, corsHeaders(req));
        });
        return;
    }
  };
}
