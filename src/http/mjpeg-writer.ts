// One viewer's multipart/x-mixed-replace stream. Backpressure is decided by the write callback,
// never by write()'s return value (Node's 16 KiB socket buffer makes that false for every JPEG):
// at most one frame is in flight; frames arriving meanwhile replace each other, and the newest
// goes out when the previous one has drained. The frame's Buffer itself is written, never a copy.
//
// This runs per frame per client, so it is kept lean (the bench's cost part measures it against a
// bare Node server): parts go straight to the socket once the response head is out, a frame's part
// header is built once and shared by every client, stalls are found by one sweep over all
// writers instead of a timer re-armed per frame, and no closure is made per frame.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { monotonicMs } from '../clock.js';
import { every } from '../housekeeping.js';
import type { FrameKeeper } from '../hub.js';
import type { Frame } from '../types.js';
import { SendBufferCap } from './send-buffer.js';

export const BOUNDARY = 'turbocamframe';

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
  /** Told of each frame this writer keeps (pending or being written) and lets go of. */
  keeper?: FrameKeeper;
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

const NO_CACHE =
  'Cache-Control: no-store, no-cache, must-revalidate, max-age=0\r\nPragma: no-cache\r\nExpires: Mon, 3 Jan 2000 12:34:56 GMT\r\n';
const TRAILER = Buffer.from(`\r\n--${BOUNDARY}\r\n`, 'latin1');
// Send times kept per client for its fps in /state (the last 2 s, at most this many).
const RECENT_SENDS = 512;

let nextId = 1;

// The newest frame's part headers, built once for every client that sends it (with and without
// µStreamer's extra headers).
const headerCache: { frame: Frame | undefined; plain: Buffer | undefined; extra: Buffer | undefined } = {
  frame: undefined,
  plain: undefined,
  extra: undefined,
};

function frameHeaders(frame: Frame, extraHeaders: boolean): Buffer {
  if (headerCache.frame !== frame) {
    headerCache.frame = frame;
    headerCache.plain = undefined;
    headerCache.extra = undefined;
  }
  const cached = extraHeaders ? headerCache.extra : headerCache.plain;
  if (cached !== undefined) return cached;
  const headers = Buffer.from(
    `Content-Type: image/jpeg\r\nContent-Length: ${frame.data.length}\r\n` +
      `X-Timestamp: ${(frame.timestamp / 1000).toFixed(6)}\r\nX-Sequence: ${frame.sequence}\r\n${extraHeaders ? NO_CACHE : ''}\r\n`,
    'latin1',
  );
  if (extraHeaders) headerCache.extra = headers;
  else headerCache.plain = headers;
  return headers;
}

// One sweep for every writer with a stall timeout: a client whose frame has been in flight for
// longer than its timeout is cut. It runs only while there are such writers, with the other
// housekeeping (see housekeeping.ts).
const SWEEP_MS = 250;
const swept = new Set<MjpegWriter>();
let stopSweeping: (() => void) | undefined;

function sweepStalls(): void {
  const now = monotonicMs();
  for (const writer of swept) writer.cutIfStalled(now);
}

function watchStalls(writer: MjpegWriter): void {
  swept.add(writer);
  stopSweeping ??= every(SWEEP_MS, sweepStalls);
}

function unwatchStalls(writer: MjpegWriter): void {
  swept.delete(writer);
  if (swept.size === 0 && stopSweeping !== undefined) {
    stopSweeping();
    stopSweeping = undefined;
  }
}

export class MjpegWriter {
  readonly id = nextId++;
  readonly address: string;
  private readonly res: ServerResponse;
  private socket: Socket | null = null;
  private readonly options: Required<Omit<MjpegWriterOptions, 'key' | 'keeper'>> & { key: string | undefined };
  private readonly keeper: FrameKeeper | undefined;
  private sendBuffer: SendBufferCap | undefined;
  private readonly minIntervalMs: number;
  private readonly connectedAt = Date.now();
  private inFlight = false;
  private pending: Frame | undefined;
  /** The frame being written: its memory is the socket's until the write callback, or the
   *  socket's close, says it is done with it. */
  private writing: Frame | undefined;
  private lastSentAt = 0;
  private lastSentSequence = -1;
  private capTimer: NodeJS.Timeout | undefined;
  /** When the frame now in flight was written (monotonicMs()). */
  private inFlightSince = 0;
  private closed = false;
  private sent = 0;
  private dropped = 0;
  private skipped = 0;
  private bytes = 0;
  /** A ring of the last RECENT_SENDS send times. */
  private readonly recentSends = new Float64Array(RECENT_SENDS);
  private readonly onClose: () => void;
  private readonly onWritten = (): void => {
    this.doneWriting();
    this.drained();
  };
  private readonly onCapDue = (): void => {
    this.capTimer = undefined;
    this.flush();
  };

  constructor(res: ServerResponse, address: string, options: MjpegWriterOptions, onClose: () => void) {
    this.res = res;
    this.address = address;
    this.onClose = onClose;
    this.options = {
      fps: options.fps ?? 0,
      extraHeaders: options.extraHeaders ?? false,
      advanceHeaders: options.advanceHeaders ?? false,
      dualFinalFrames: options.dualFinalFrames ?? false,
      stallTimeoutMs: options.stallTimeoutMs ?? 10_000,
      key: options.key,
      capSendBuffer: options.capSendBuffer ?? true,
    };
    this.keeper = options.keeper;
    this.minIntervalMs = this.options.fps > 0 ? 1000 / this.options.fps : 0;
    res.on('close', () => {
      this.close();
      this.doneWriting();
    });
  }

  /** Writes the response head and the opening boundary. */
  start(extraResponseHeaders: Record<string, string>): void {
    const res = this.res;
    // A raw close-delimited body, as µStreamer and mjpg-streamer send: no chunked framing for
    // simple embedded parsers to trip over.
    res.useChunkedEncodingByDefault = false;
    res.shouldKeepAlive = false;
    res.writeHead(200, {
      ...extraResponseHeaders,
      'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
      Pragma: 'no-cache',
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    if (this.options.capSendBuffer) this.sendBuffer = new SendBufferCap(res.socket);
    const opening = `--${BOUNDARY}\r\n${this.options.advanceHeaders ? this.advancedHeaders() : ''}`;
    this.inFlight = true;
    this.inFlightSince = monotonicMs();
    // The head and the opening boundary go through the response, which sends the head; the parts
    // then go straight to the socket, behind it.
    res.write(opening, this.onWritten);
    if (this.options.stallTimeoutMs > 0) watchStalls(this);
  }

  /** Offers the newest frame; sent now, or when the client drains, or when its fps cap allows. */
  offer(frame: Frame): void {
    if (this.closed) return;
    if (this.pending !== undefined) {
      if (this.inFlight) this.dropped += 1;
      else this.skipped += 1;
      this.keeper?.letGo(this.pending);
    }
    this.keeper?.keep(frame);
    this.pending = frame;
    this.flush();
  }

  stats(): MjpegClientStats {
    const since = monotonicMs() - 2000;
    let recent = 0;
    for (let i = 0; i < Math.min(this.sent, RECENT_SENDS); i += 1) {
      if ((this.recentSends[(this.sent - 1 - i) % RECENT_SENDS] ?? 0) < since) break;
      recent += 1;
    }
    return {
      id: this.id,
      address: this.address,
      key: this.options.key,
      connectedAt: this.connectedAt,
      sent: this.sent,
      dropped: this.dropped,
      skipped: this.skipped,
      bytes: this.bytes,
      fps: recent / 2,
      fpsCap: this.options.fps,
    };
  }

  /** Ends the stream (server shutdown). */
  end(): void {
    if (this.closed) return;
    this.res.end();
    this.res.socket?.destroySoon();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.keeper?.letGo(this.pending);
    this.pending = undefined;
    if (this.capTimer !== undefined) clearTimeout(this.capTimer);
    unwatchStalls(this);
    if (!this.res.writableEnded) this.res.destroy();
    this.onClose();
  }

  private flush(): void {
    const frame = this.pending;
    if (frame === undefined || this.inFlight || this.closed || this.capTimer !== undefined) return;
    if (this.minIntervalMs > 0) {
      const wait = this.lastSentAt + this.minIntervalMs - monotonicMs();
      if (wait > 0) {
        this.capTimer = setTimeout(this.onCapDue, wait);
        return;
      }
    }
    this.pending = undefined;
    this.send(frame);
  }

  private send(frame: Frame): void {
    // Taken once the opening has drained, by which time the response owns the socket (a response
    // queued behind a pipelined request has none before).
    this.socket ??= this.res.socket;
    const socket = this.socket;
    if (socket === null || socket.destroyed) {
      this.keeper?.letGo(frame);
      this.close();
      return;
    }
    this.writing = frame;
    this.sendBuffer?.fit(frame.data.length);
    this.inFlight = true;
    const now = monotonicMs();
    this.lastSentAt = now;
    this.inFlightSince = now;
    const { advanceHeaders, dualFinalFrames, extraHeaders } = this.options;
    const copies = dualFinalFrames && frame.sequence !== this.lastSentSequence ? 2 : 1;
    this.lastSentSequence = frame.sequence;
    socket.cork();
    for (let copy = 0; copy < copies; copy += 1) {
      if (!advanceHeaders) socket.write(frameHeaders(frame, extraHeaders));
      socket.write(frame.data);
      const trailer = advanceHeaders ? `\r\n--${BOUNDARY}\r\n${this.advancedHeaders()}` : TRAILER;
      if (copy === copies - 1) socket.write(trailer, this.onWritten);
      else socket.write(trailer);
      this.bytes += frame.data.length;
    }
    socket.uncork();
    this.recentSends[this.sent % RECENT_SENDS] = now;
    this.sent += 1;
  }

  /** Cuts the client when its frame has been in flight for longer than the stall timeout. */
  cutIfStalled(now: number): void {
    if (this.inFlight && now - this.inFlightSince >= this.options.stallTimeoutMs) this.close();
  }

  /** The part headers sent before the JPEG is known (advance_headers): no length, a fresh time. */
  private advancedHeaders(): string {
    return `Content-Type: image/jpeg\r\nX-Timestamp: ${(monotonicMs() / 1000).toFixed(6)}\r\n${this.options.extraHeaders ? NO_CACHE : ''}\r\n`;
  }

  private doneWriting(): void {
    const written = this.writing;
    this.writing = undefined;
    this.keeper?.letGo(written);
  }

  private drained(): void {
    this.inFlight = false;
    this.flush();
  }
}
