// RTSP for the tools that read cameras that way (Frigate, Home Assistant, VLC, ffmpeg): the same
// H.264 stream the browsers get, from the same hub, so one encoder serves every protocol. RTP goes
// interleaved on the RTSP connection (RTP/AVP/TCP): it crosses NAT and firewalls like the HTTP
// port does, and a client asking for UDP is told 461 and retries over TCP, as ffmpeg, live555
// (VLC) and Frigate's presets do.
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TurbocamError } from '../errors.js';
import type { H264Subscription, H264Viewer, H264ViewerHub } from '../h264/viewer.js';
import type { Log } from '../log.js';
import type { H264Unit } from '../sources/h264-source.js';
import { RtspReader, type RtspRequest } from './request.js';
import { RtpH264Packetizer, rtpTimestamp } from './rtp-h264.js';
import { splitNalUnits } from '../h264/annexb.js';
import { describeH264, parameterSetsOf, type ParameterSets } from './sdp.js';

/** What checks a request's Authorization header: the HTTP server's BasicAuth, whose users and
 *  failure limits RTSP shares. */
export interface RtspAuthorizer {
  checkAuthorization(address: string, authorization: string | undefined): { ok: true } | { ok: false; status: 401 | 429 };
}

export interface RtspServerOptions {
  hub: H264ViewerHub;
  auth?: RtspAuthorizer;
  log?: Log;
  /** Connections held at most; past it a new one is told 503 (default 32). */
  maxSessions?: number;
  /** How long DESCRIBE waits for the stream's first keyframe, to announce its SPS and PPS (ms). */
  describeTimeoutMs?: number;
}

export interface RtspStats {
  connections: number;
  playing: number;
}

/** The stream's paths: µStreamer-style /stream, and camera-streamer's /stream.h264. */
const STREAM_PATHS = new Set(['/stream', '/stream.h264']);
const TRACK = 'trackID=0';
const METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, SET_PARAMETER';
// A client that stops reading is cut once this much is queued for it (the hub stops sending
// to it long before, at its backlog limit; this catches one that never reads again).
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
const IDLE_TIMEOUT_MS = 60_000;

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  429: 'Too Many Requests',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  461: 'Unsupported Transport',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  contentType?: string;
}

class RtspConnection implements H264Viewer {
  readonly kind = 'rtsp' as const;
  private readonly reader = new RtspReader();
  private readonly session = randomBytes(8).toString('hex');
  private readonly packetizer = new RtpH264Packetizer({ ssrc: randomBytes(4).readUInt32BE(0) });
  private channel: number | undefined;
  private subscription: H264Subscription | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly server: RtspServer,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const result of this.reader.push(chunk)) {
        if (result.kind === 'bad') {
          this.write(0, { status: 400, body: `${result.reason}\r\n` });
          socket.end();
          socket.destroy();
          return;
        }
        void this.handle(result.request);
      }
    });
    socket.on('close', () => this.stop());
    socket.on('error', () => socket.destroy());
  }

  get playing(): boolean {
    return this.subscription !== undefined;
  }

  get backlogBytes(): number {
    return this.socket.writableLength;
  }

  send(unit: H264Unit): void {
    if (this.channel === undefined || this.socket.destroyed) return;
    if (this.socket.writableLength > MAX_QUEUED_BYTES) {
      this.socket.destroy();
      return;
    }
    if (unit.keyframe) this.server.noteParameterSets(parameterSetsOf(unit.data));
    const packets = this.packetizer.packetize(splitNalUnits(unit.data), rtpTimestamp(unit.timestamp));
    const framed: Buffer[] = [];
    for (const packet of packets) {
      const prefix = Buffer.from([0x24, this.channel, packet.length >> 8, packet.length & 0xff]);
      framed.push(prefix, packet);
    }
    this.socket.write(Buffer.concat(framed));
  }

  stop(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }

  /** The stream ended (its producer failed, the hub closed): the client sees the connection close. */
  end(): void {
    this.subscription = undefined;
    this.socket.end();
  }

  destroy(): void {
    this.stop();
    this.socket.destroy();
  }

  private async handle(request: RtspRequest): Promise<void> {
    const cseq = Number(request.headers.get('cseq') ?? '0');
    let reply: Reply;
    try {
      reply = await this.reply(request);
    } catch (error) {
      // The stream cannot start (no encoder, no keyframe in time): the client hears why.
      const message = error instanceof Error ? error.message : String(error);
      reply = { status: 503, body: `${message}\r\n` };
      this.server.log('warn', `rtsp: ${request.method} ${request.url}: ${message}`);
    }
    if (this.socket.destroyed) return;
    this.write(cseq, reply);
    if (request.method === 'PLAY' && reply.status === 200) this.play();
  }

  private async reply(request: RtspRequest): Promise<Reply> {
    if (request.method === 'OPTIONS') return { status: 200, headers: { Public: METHODS } };
    const verdict = this.server.authorize(this.socket.remoteAddress ?? 'unix', request.headers.get('authorization'));
    if (verdict !== 200) {
      return verdict === 401 ? { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="turbocam"' } } : { status: verdict };
    }
    const target = streamTarget(request.url);
    if (target === undefined && request.method !== 'GET_PARAMETER' && request.method !== 'SET_PARAMETER') {
      return { status: 404, body: 'the stream is at /stream (or /stream.h264)\r\n' };
    }
    switch (request.method) {
      case 'DESCRIBE': {
        const sets = await this.server.parameterSets();
        const base = request.url.replace(/\/?$/, '/');
        return { status: 200, headers: { 'Content-Base': base }, contentType: 'application/sdp', body: describeH264(sets, this.session) };
      }
      case 'SETUP': {
        const transport = request.headers.get('transport') ?? '';
        const interleaved = /interleaved=(\d+)(?:-(\d+))?/.exec(transport);
        if (!/RTP\/AVP\/TCP/i.test(transport)) return { status: 461, headers: { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' } };
        const channel = interleaved === null ? 0 : Number(interleaved[1]);
        if (channel > 254) return { status: 400, body: 'interleaved channel out of range\r\n' };
        this.channel = channel;
        return {
          status: 200,
          headers: {
            Transport: `RTP/AVP/TCP;unicast;interleaved=${channel}-${channel + 1};ssrc=${this.packetizer.ssrc.toString(16).padStart(8, '0')}`,
            Session: `${this.session};timeout=${IDLE_TIMEOUT_MS / 1000}`,
          },
        };
      }
      case 'PLAY': {
        if (!this.sessionMatches(request)) return { status: 454 };
        if (this.channel === undefined) return { status: 455, body: 'SETUP first\r\n' };
        const track = `${request.url.replace(/\/$/, '').replace(/\/trackID=\d+$/, '')}/${TRACK}`;
        return {
          status: 200,
          headers: {
            Session: this.session,
            Range: 'npt=0.000-',
            'RTP-Info': `url=${track};seq=${this.packetizer.nextSequence};rtptime=${rtpTimestamp(performance.now())}`,
          },
        };
      }
      case 'TEARDOWN':
        if (!this.sessionMatches(request)) return { status: 454 };
        this.stop();
        this.channel = undefined;
        return { status: 200 };
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        // Keep-alives (VLC and ffmpeg send these); nothing to get or set.
        return { status: 200, headers: this.channel === undefined ? {} : { Session: this.session } };
      default:
        return { status: 501, headers: { Public: METHODS } };
    }
  }

  private play(): void {
    if (this.subscription !== undefined) return;
    // Playing, the connection carries the stream: no idle timeout (RTCP and keep-alives are optional).
    this.socket.setTimeout(0);
    this.socket.setKeepAlive(true, 10_000);
    try {
      this.subscription = this.server.hub.add(this);
    } catch (error) {
      this.server.log('warn', `rtsp: ${error instanceof Error ? error.message : String(error)}`);
      this.socket.destroy();
    }
  }

  private sessionMatches(request: RtspRequest): boolean {
    return (request.headers.get('session') ?? '').split(';')[0]!.trim() === this.session;
  }

  private write(cseq: number, reply: Reply): void {
    const body = reply.body ?? '';
    const lines = [`RTSP/1.0 ${reply.status} ${REASONS[reply.status] ?? 'Error'}`, `CSeq: ${cseq}`, 'Server: turbocam'];
    for (const [name, value] of Object.entries(reply.headers ?? {})) lines.push(`${name}: ${value}`);
    if (body !== '') lines.push(`Content-Type: ${reply.contentType ?? 'text/plain'}`, `Content-Length: ${Buffer.byteLength(body)}`);
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }
}

/** The stream's path of an RTSP URL (a track's suffix dropped), or undefined when it names no stream. */
function streamTarget(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const stream = path.replace(/\/$/, '').replace(/\/trackID=\d+$/, '');
  return STREAM_PATHS.has(stream) ? stream : undefined;
}

export class RtspServer {
  readonly hub: H264ViewerHub;
  private readonly server: Server;
  private readonly connections = new Set<RtspConnection>();
  private readonly options: RtspServerOptions;
  private sets: ParameterSets | undefined;
  private probing: Promise<ParameterSets> | undefined;

  constructor(options: RtspServerOptions) {
    this.options = options;
    this.hub = options.hub;
    this.server = createServer((socket) => {
      if (this.connections.size >= (options.maxSessions ?? 32)) {
        socket.end('RTSP/1.0 503 Service Unavailable\r\nCSeq: 0\r\n\r\n');
        return;
      }
      const connection = new RtspConnection(socket, this);
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
  }

  /** Listens; resolves with the stream's URL. */
  listen(port: number, host = '0.0.0.0'): Promise<string> {
    return new Promise((resolve, reject) => {
      const failed = (cause: NodeJS.ErrnoException): void =>
        reject(new TurbocamError('ERR_LISTEN', `rtsp: cannot listen on ${host}:${port}: ${cause.message}`, { cause }));
      this.server.once('error', failed);
      this.server.listen(port, host, () => {
        this.server.off('error', failed);
        const address = this.server.address() as AddressInfo;
        const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        resolve(`rtsp://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}/stream`);
      });
    });
  }

  stats(): RtspStats {
    let playing = 0;
    for (const connection of this.connections) if (connection.playing) playing++;
    return { connections: this.connections.size, playing };
  }

  /** Ends every session and stops listening. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const connection of this.connections) connection.destroy();
    });
  }

  log(level: 'warn' | 'info', message: string): void {
    this.options.log?.(level, message);
  }

  authorize(address: string, authorization: string | undefined): 200 | 401 | 429 {
    if (this.options.auth === undefined) return 200;
    const verdict = this.options.auth.checkAuthorization(address, authorization);
    return verdict.ok ? 200 : verdict.status;
  }

  noteParameterSets(sets: ParameterSets | undefined): void {
    if (sets !== undefined) this.sets = sets;
  }

  /** The stream's SPS and PPS: known once a keyframe has passed, else from a keyframe asked for now. */
  parameterSets(): Promise<ParameterSets> {
    if (this.sets !== undefined) return Promise.resolve(this.sets);
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private probe(): Promise<ParameterSets> {
    return new Promise((resolve, reject) => {
      let subscription: H264Subscription | undefined;
      const timeoutMs = this.options.describeTimeoutMs ?? 5000;
      const timer = setTimeout(() => {
        subscription?.close();
        reject(new TurbocamError('ERR_H264_UNAVAILABLE', `no H.264 keyframe within ${timeoutMs} ms`));
      }, timeoutMs);
      const probe: H264Viewer = {
        kind: 'rtsp',
        backlogBytes: 0,
        send: (unit) => {
          const sets = unit.keyframe ? parameterSetsOf(unit.data) : undefined;
          if (sets === undefined) return;
          this.sets = sets;
          clearTimeout(timer);
          subscription?.close();
          resolve(sets);
        },
      };
      try {
        subscription = this.hub.add(probe);
        if (this.sets !== undefined) subscription.close();
      } catch (error) {
        clearTimeout(timer);
        reject(error);
      }
    });
  }
}
