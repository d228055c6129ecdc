// GET /ws: the H.264 stream as fragmented MP4 over a WebSocket, for Media Source Extensions where
// WebRTC cannot pass (proxies, tunnels). Each connection is an H.264 viewer of kind 'mse'. On the
// wire: a text message `{"type":"init","codec":"avc1.42C01E","width":W,"height":H}`, the init
// segment (binary), then one binary message per access unit (moof + mdat); again a text and an
// init segment whenever the stream's parameter sets change. The hub sees the socket's unsent
// bytes as the viewer's backlog, so a slow client skips to the next keyframe instead of queueing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { H264Hub } from '../h264/hub.js';
import { Fmp4Muxer } from '../h264/fmp4.js';
import type { H264Subscription, H264Viewer } from '../h264/viewer.js';
import type { Log } from '../log.js';
import type { H264Unit } from '../sources/h264-source.js';
import { clientAddress } from './handlers.js';
import { SendBufferCap } from './send-buffer.js';
import type { MseCounters } from './state.js';
import { acceptWebSocket, CLOSE, handshakeProblem, type WebSocketConnection } from './websocket.js';

/** What Node's 'upgrade' event hands over with the request. */
export interface Upgrade {
  socket: Duplex;
  head: Buffer;
}

export interface MseSettings {
  /** MSE viewers beyond this get 503 (0: no limit). */
  maxClients: number;
  /** A viewer whose socket has not drained for this long is cut (ms). */
  stallTimeoutMs: number;
  /** CORS origins (`*` for any): a browser from another origin must be listed to open the socket. */
  allowOrigins: string[];
  log: Log;
}

export interface MseHooks {
  refuse: (req: IncomingMessage, res: ServerResponse, status: number, message: string, headers?: Record<string, string>) => void;
  accepted: () => void;
}

export interface MseRoute {
  (req: IncomingMessage, res: ServerResponse, upgrade: Upgrade | undefined): void;
  readonly viewerCount: number;
  readonly counters: MseCounters;
  /** Closes every socket (1001, going away) and refuses later requests. */
  close(): void;
}

class MseViewer implements H264Viewer {
  readonly kind = 'mse';
  private readonly muxer = new Fmp4Muxer();
  private readonly cap: SendBufferCap;
  private stallTimer: NodeJS.Timeout | undefined;
  subscription: H264Subscription | undefined;

  constructor(
    private readonly ws: WebSocketConnection,
    private readonly counters: MseCounters,
    private readonly stallTimeoutMs: number,
    private readonly onStall: () => void,
  ) {
    this.cap = new SendBufferCap(ws.socket as never);
  }

  get backlogBytes(): number {
    return this.ws.bufferedBytes;
  }

  send(unit: H264Unit): void {
    const { init, fragment } = this.muxer.push(unit.data, unit.keyframe, unit.timestamp);
    if (init !== undefined) {
      this.ws.sendText(JSON.stringify({ type: 'init', codec: init.codec, width: init.width, height: init.height }));
      this.ws.sendBinary(init.data);
      this.counters.bytes += init.data.length;
    }
    this.cap.fit(fragment.length);
    this.counters.bytes += fragment.length;
    if (!this.ws.sendBinary(fragment) && this.stallTimer === undefined) {
      this.stallTimer = setTimeout(this.onStall, this.stallTimeoutMs);
      this.stallTimer.unref();
      this.ws.socket.once('drain', () => this.clearStall());
    }
  }

  end(error?: Error): void {
    this.clearStall();
    if (error === undefined) this.ws.close(CLOSE.GOING_AWAY, 'stream ended');
    else this.ws.close(CLOSE.INTERNAL, `H.264 failed: ${error.message}`);
  }

  clearStall(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}

function allowedOrigin(req: IncomingMessage, allowOrigins: string[]): boolean {
  const origin = req.headers.origin;
  // Not a browser, or the page's own origin; a browser elsewhere must be allowed by CORS, since
  // WebSockets are not under the same-origin policy and would carry the page's credentials.
  if (origin === undefined || allowOrigins.includes('*') || allowOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function createMseRoute(
  hub: H264Hub,
  settings: MseSettings,
  hooks: MseHooks,
  counters: MseCounters = { connections: 0, rejected: 0, bytes: 0 },
): MseRoute {
  const { log } = settings;
  const sockets = new Set<WebSocketConnection>();
  let closed = false;

  const route = (req: IncomingMessage, res: ServerResponse, upgrade: Upgrade | undefined): void => {
    if (closed) {
      hooks.refuse(req, res, 503, 'shutting down', { Connection: 'close' });
      return;
    }
    if (upgrade === undefined) {
      hooks.refuse(req, res, 400, `${req.url ?? '/ws'} is a WebSocket (MSE) stream: open it with new WebSocket(), not a plain request`);
      return;
    }
    const problem = handshakeProblem(req);
    if (problem !== undefined) {
      hooks.refuse(req, res, 400, problem, { 'Sec-WebSocket-Version': '13' });
      return;
    }
    if (!allowedOrigin(req, settings.allowOrigins)) {
      hooks.refuse(req, res, 403, `origin ${req.headers.origin ?? ''} is not allowed (see --allow-origin)`);
      return;
    }
    const availability = hub.availability;
    if (!availability.available) {
      hooks.refuse(req, res, 503, `H.264 is unavailable: ${availability.reason ?? 'no encoder'}`);
      return;
    }
    if (settings.maxClients > 0 && sockets.size >= settings.maxClients) {
      counters.rejected += 1;
      hooks.refuse(req, res, 503, `too many MSE viewers (at most ${settings.maxClients})`, { 'Retry-After': '5' });
      return;
    }
    hooks.accepted();
    counters.connections += 1;
    const address = clientAddress(req);
    res.detachSocket(upgrade.socket as never);
    const socket = upgrade.socket as Duplex & { setNoDelay?: (on: boolean) => void; setTimeout?: (ms: number) => void };
    socket.setTimeout?.(0);
    socket.setNoDelay?.(true);
    let viewer: MseViewer | undefined;
    const ws = acceptWebSocket(req, upgrade.socket, upgrade.head, {
      onClose: (code, reason) => {
        sockets.delete(ws);
        viewer?.clearStall();
        viewer?.subscription?.close();
        log('info', `MSE viewer ${address} disconnected (${code}${reason === '' ? '' : ` ${reason}`})`);
      },
    });
    sockets.add(ws);
    viewer = new MseViewer(ws, counters, settings.stallTimeoutMs, () => {
      log('info', `MSE viewer ${address} cut: nothing drained for ${settings.stallTimeoutMs} ms`);
      ws.socket.destroy();
    });
    try {
      viewer.subscription = hub.add(viewer);
    } catch (error) {
      ws.close(CLOSE.INTERNAL, error instanceof Error ? error.message : String(error));
      return;
    }
    log('info', `MSE viewer ${address} connected`);
  };

  return Object.defineProperties(route, {
    viewerCount: { get: () => sockets.size, enumerable: true },
    counters: { value: counters, enumerable: true },
    close: {
      value: () => {
        closed = true;
        for (const ws of [...sockets]) ws.close(CLOSE.GOING_AWAY, 'server shutting down');
      },
    },
  }) as MseRoute;
}
