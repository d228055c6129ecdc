// One viewer's multipart/x-mixed-replace stream. Backpressure is decided by the write callback,
// never by write()'s return value (Node's 16 KiB socket buffer makes that false for every JPEG):
// at most one frame is in flight; frames arriving meanwhile replace each other, and the newest
// goes out when the previous one has drained. The frame's Buffer itself is written, never a copy.
import type { ServerResponse } from 'node:http';
import { monotonicMs } from '../clock.js';
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

const NO_CACHE = 'Cache-Control: no-store, no-cache, must-revalidate, max-age=0\r\nPragma: no-cache\r\nExpires: Mon, 3 Jan 2000 12:34:56 GMT\r\n';

let nextId = 1;

export class MjpegWriter {
  readonly id = nextId++;
  readonly address: string;
  private readonly res: ServerResponse;
  private readonly options: Required<Omit<MjpegWriterOptions, 'key'>> & { key: string | undefined };
  private sendBuffer: SendBufferCap | undefined;
  private readonly minIntervalMs: number;
  private readonly connectedAt = Date.now();
  private inFlight = false;
  private pending: Frame | undefined;
  private lastSentAt = 0;
  private lastSentSequence = -1;
  private capTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private sent = 0;
  private dropped = 0;
  private skipped = 0;
  private bytes = 0;
  private readonly recentSends: number[] = [];
  private readonly onClose: () => void;

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
    this.minIntervalMs = this.options.fps > 0 ? 1000 / this.options.fps : 0;
    res.on('close', () => this.close());
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
    const opening = `--${BOUNDARY}\r\n${this.options.advanceHeaders ? this.partHeaders(undefined) : ''}`;
    this.inFlight = true;
    res.write(opening, () => this.drained());
    this.armStallTimer();
  }

  /** Offers the newest frame; sent now, or when the client drains, or when its fps cap allows. */
  offer(frame: Frame): void {
    if (this.closed) return;
    if (this.pending !== undefined) {
      if (this.inFlight) this.dropped += 1;
      else this.skipped += 1;
    }
    this.pending = frame;
    this.flush();
  }

  stats(): MjpegClientStats {
    const now = monotonicMs();
    while (this.recentSends.length > 0 && (this.recentSends[0] ?? 0) < now - 2000) this.recentSends.shift();
    return {
      id: this.id,
      address: this.address,
      key: this.options.key,
      connectedAt: this.connectedAt,
      sent: this.sent,
      dropped: this.dropped,
      skipped: this.skipped,
      bytes: this.bytes,
      fps: this.recentSends.length / 2,
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
    this.pending = undefined;
    if (this.capTimer !== undefined) clearTimeout(this.capTimer);
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    if (!this.res.writableEnded) this.res.destroy();
    this.onClose();
  }

  private flush(): void {
    const frame = this.pending;
    if (frame === undefined || this.inFlight || this.closed || this.capTimer !== undefined) return;
    if (this.minIntervalMs > 0) {
      const wait = this.lastSentAt + this.minIntervalMs - monotonicMs();
      if (wait > 0) {
        this.capTimer = setTimeout(() => {
          this.capTimer = undefined;
          this.flush();
        }, wait);
        return;
      }
    }
    this.pending = undefined;
    this.send(frame);
  }

  private send(frame: Frame): void {
    const res = this.res;
    const socket = res.socket;
    this.sendBuffer?.fit(frame.data.length);
    this.inFlight = true;
    this.lastSentAt = monotonicMs();
    const copies = this.options.dualFinalFrames && frame.sequence !== this.lastSentSequence ? 2 : 1;
    this.lastSentSequence = frame.sequence;
    socket?.cork();
    for (let copy = 0; copy < copies; copy += 1) {
      const last = copy === copies - 1;
      if (!this.options.advanceHeaders) res.write(this.partHeaders(frame));
      res.write(frame.data);
      const trailer = `\r\n--${BOUNDARY}\r\n${this.options.advanceHeaders ? this.partHeaders(undefined) : ''}`;
      if (last) res.write(trailer, () => this.drained());
      else res.write(trailer);
      this.bytes += frame.data.length;
    }
    if (socket !== null && socket !== undefined) process.nextTick(() => socket.uncork());
    this.sent += 1;
    this.recentSends.push(this.lastSentAt);
    if (this.recentSends.length > 512) this.recentSends.shift();
    this.armStallTimer();
  }

  private partHeaders(frame: Frame | undefined): string {
    const extra = this.options.extraHeaders ? NO_CACHE : '';
    if (frame === undefined) {
      return `Content-Type: image/jpeg\r\nX-Timestamp: ${(monotonicMs() / 1000).toFixed(6)}\r\n${extra}\r\n`;
    }
    return (
      `Content-Type: image/jpeg\r\nContent-Length: ${frame.data.length}\r\n` +
      `X-Timestamp: ${(frame.timestamp / 1000).toFixed(6)}\r\nX-Sequence: ${frame.sequence}\r\n${extra}\r\n`
    );
  }

  private drained(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.inFlight = false;
    this.flush();
  }

  private armStallTimer(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    const timeout = this.options.stallTimeoutMs;
    if (timeout <= 0) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.inFlight) this.close();
    }, timeout);
  }
}
