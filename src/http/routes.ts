// Request dispatch: auth, CORS, the routes and their JSON 404 / 405 answers.
// Paths follow µStreamer (/stream, /snapshot, /state) and mjpg-streamer (/?action=...), so tools
// scripted for either find turbocam a drop-in replacement.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { H264Hub } from '../h264/hub.js';
import type { FrameHub } from '../hub.js';
import type { Log } from '../log.js';
import { sourceControls } from '../sources/source.js';
import type { BasicAuth } from './auth.js';
import { createControlsRoute } from './controls.js';
import { renderMetrics } from './metrics.js';
import { createSnapshotRoute, createStreamRoute, logRefusal, writeJson, type RequestListener, type RouteHooks } from './handlers.js';
import type { MjpegWriter } from './mjpeg-writer.js';
import { createMseRoute, type Upgrade } from './mse.js';
import { renderPage } from './page.js';
import { resolveStatic, sendStatic } from './static.js';
import { buildState, type MseCounters, type ServerView } from './state.js';
import { createWhepRoute } from './whep.js';

export interface RouteContext extends ServerView {
  hub: FrameHub;
  h264: { hub: H264Hub; mse: MseCounters };
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
  /** Told of each stream client that starts and leaves (the server's client events). */
  clientEvents?: Pick<RouteHooks, 'connected' | 'disconnected'>;
  /** A WebRTC call that does not connect, or stays disconnected, this long is closed (ms). */
  webrtcTimeoutMs?: number;
}

type Route =
  'page' | 'stream' | 'snapshot' | 'state' | 'metrics' | 'controls' | 'command' | 'static' | 'ws' | 'whep' | 'whep-session' | 'webrtc';

const ROUTES: Record<string, Route> = {
  '/': 'page',
  '/index.html': 'page',
  '/stream': 'stream',
  '/snapshot': 'snapshot',
  '/state': 'state',
  '/metrics': 'metrics',
  '/controls': 'controls',
  '/ws': 'ws',
  '/whep': 'whep',
  '/webrtc': 'webrtc',
};

/** Methods a route takes besides GET and HEAD (OPTIONS comes with CORS), and the request headers
 *  a preflight may allow for them. WHEP's and camera-streamer's routes take theirs alone (`only`):
 *  POST an offer, DELETE the session; PATCH (trickle) gets 405. */
const MORE_METHODS: Partial<Record<Route, { methods: string[]; headers: string; only?: true }>> = {
  controls: { methods: ['POST'], headers: 'Authorization, Content-Type' },
  whep: { methods: ['POST'], headers: 'Authorization, Content-Type', only: true },
  'whep-session': { methods: ['DELETE'], headers: 'Authorization', only: true },
  webrtc: { methods: ['POST'], headers: 'Authorization, Content-Type', only: true },
};

const MJPG_STREAMER_ACTIONS: Record<string, Route> = { stream: 'stream', snapshot: 'snapshot', command: 'command' };

export interface RequestHandler extends RequestListener {
  /** Node's 'upgrade' event: the WebSocket at /ws; any other route answered as usual, then closed. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

export function createRequestHandler(ctx: RouteContext): RequestHandler {
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

  const sendJson = (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    status: number,
    body: object,
    headers: Record<string, string> = {},
  ): void => {
    count(route, status);
    writeJson(req, res, status, body, { ...corsHeaders(req), ...headers });
  };

  const sendText = (req: IncomingMessage, res: ServerResponse, route: string, type: string, text: string): void => {
    count(route, 200);
    res.writeHead(200, {
      ...corsHeaders(req),
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  const error = (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    status: number,
    message: string,
    headers: Record<string, string> = {},
    code?: string,
  ): void => {
    logRefusal(ctx.log, req, status, message);
    sendJson(req, res, route, status, { ok: false, error: code === undefined ? { status, message } : { status, code, message } }, headers);
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

  const hooks = (route: Route): RouteHooks => ({
    ...ctx.clientEvents,
    headers: corsHeaders,
    refuse: (req, res, status, message, headers) => error(req, res, route, status, message, headers),
    accepted: () => count(route, 200),
  });
  const settings = { fps: 0, maxClients: ctx.maxClients, stallTimeoutMs: ctx.stallTimeoutMs, log: ctx.log };
  const stream = createStreamRoute(ctx.hub, settings, hooks('stream'), ctx);
  const snapshot = createSnapshotRoute(ctx.hub, ctx.snapshotTimeoutMs, ctx.log, hooks('snapshot'));
  const mse = createMseRoute(
    ctx.h264.hub,
    { maxClients: ctx.maxClients, stallTimeoutMs: ctx.stallTimeoutMs, allowOrigins: ctx.allowOrigins, log: ctx.log },
    hooks('ws'),
    ctx.h264.mse,
  );

  const whep = createWhepRoute(
    {
      hub: ctx.h264.hub,
      unavailable: () => {
        const availability = ctx.h264.hub.availability;
        if (availability?.available === true) return undefined;
        return `H.264 is unavailable: ${availability?.reason ?? `${ctx.hub.info.name} codes no H.264`}`;
      },
      maxPeers: ctx.maxClients,
      log: ctx.log,
      ...(ctx.webrtcTimeoutMs === undefined ? {} : { iceTimeoutMs: ctx.webrtcTimeoutMs }),
    },
    {
      // A cross-origin WHEP client reads the session's URL from Location.
      headers: (req) => ({ ...corsHeaders(req), ...(ctx.allowOrigins.length > 0 ? { 'Access-Control-Expose-Headers': 'Location' } : {}) }),
      refuse: (req, res, status, message, headers, code) => error(req, res, 'whep', status, message, headers, code),
      accepted: (status) => count('whep', status),
    },
  );

  const listener = (req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): void => {
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
    let route = ROUTES[url.pathname] ?? (url.pathname.startsWith('/whep/') ? 'whep-session' : undefined);
    const action = url.searchParams.get('action');
    if (route === 'page' && action !== null) route = MJPG_STREAMER_ACTIONS[action];
    else if (ctx.staticRoot !== undefined && (route === 'page' || route === undefined)) route = 'static';
    if (route === undefined) {
      error(req, res, 'other', 404, `no such resource: ${url.pathname}`);
      return;
    }
    const method = req.method ?? 'GET';
    const more = MORE_METHODS[route];
    const methods = [...(more?.only === true ? [] : ['GET', 'HEAD']), ...(more?.methods ?? [])];
    const webrtc = route === 'whep' || route === 'whep-session' || route === 'webrtc';
    // WHEP clients ask OPTIONS /whep whatever the origin (Accept-Post names the offer's type).
    if (method === 'OPTIONS' && (ctx.allowOrigins.length > 0 || webrtc)) {
      count(route, 204);
      res.writeHead(204, {
        ...corsHeaders(req),
        ...(route === 'whep' ? { 'Accept-Post': 'application/sdp' } : {}),
        ...(webrtc ? { Allow: [...methods, 'OPTIONS'].join(', ') } : {}),
        'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
        'Access-Control-Allow-Headers': more?.headers ?? 'Authorization',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const post = method === 'POST' && route === 'controls';
    if (!methods.includes(method)) {
      const allow = [...methods, ...(ctx.allowOrigins.length > 0 || webrtc ? ['OPTIONS'] : [])].join(', ');
      error(req, res, route, 405, `method ${method} not allowed on ${url.pathname}`, { Allow: allow });
      return;
    }
    // An upgrade's body is not parsed by Node: only bodiless requests are answered on one.
    if (upgrade !== undefined && route !== 'ws' && method !== 'GET' && method !== 'HEAD') {
      error(req, res, route, 400, `Upgrade is only taken on /ws`, { Connection: 'close' });
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
        sendText(
          req,
          res,
          route,
          'text/html; charset=utf-8',
          renderPage(`${ctx.hub.info.name}`, { controls: pageShowsControls, h264: ctx.h264.hub.availability }),
        );
        return;
      case 'state':
        sendJson(req, res, route, 200, buildState(ctx));
        return;
      case 'metrics':
        sendText(req, res, route, 'text/plain; version=0.0.4; charset=utf-8', renderMetrics(ctx));
        return;
      case 'snapshot':
        snapshot(req, res);
        return;
      case 'stream':
        stream(req, res);
        return;
      case 'ws':
        mse(req, res, upgrade);
        return;
      case 'controls':
        void (post ? controls.set(req, res) : controls.list(req, res));
        return;
      case 'command':
        void controls.command(req, res, url.searchParams);
        return;
      case 'whep':
        whep.post(req, res);
        return;
      case 'whep-session':
        whep.remove(req, res, url.pathname.slice('/whep/'.length));
        return;
      case 'webrtc':
        whep.webrtc(req, res);
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
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A response of its own on the socket, for refusals and for other routes asked with an
    // Upgrade (curl --http2 asks h2c of any URL); the connection ends after it.
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      if (res.socket !== null) socket.end();
    });
    socket.on('error', () => socket.destroy());
    listener(req, res, { socket, head });
  };
  // Ends every stream and refuses new ones: the server is closing.
  return Object.assign((req: IncomingMessage, res: ServerResponse) => listener(req, res), {
    upgrade,
    close: () => {
      stream.close();
      snapshot.close();
      mse.close();
      whep.close();
    },
  });
}
