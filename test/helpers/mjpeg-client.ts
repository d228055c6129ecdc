// A strict MJPEG client over a raw socket: checks the HTTP head (no chunking), the boundary, and
// every part's headers and length, failing loudly on anything a simple embedded parser would trip
// over. Tests read frames through it and can pause the socket to play a slow viewer.
import { connect, type Socket } from 'node:net';
import { HANG_MS } from './wait.js';

export interface ReceivedPart {
  headers: Map<string, string>;
  body: Buffer;
  receivedAt: number;
}

export interface MjpegClientOptions {
  port?: number;
  host?: string;
  unix?: string;
  path?: string;
  headers?: Record<string, string>;
}

export class StrictMjpegClient {
  readonly socket: Socket;
  readonly parts: ReceivedPart[] = [];
  status = 0;
  responseHeaders = new Map<string, string>();
  error: Error | undefined;
  ended = false;
  /** Keep bodies (tests that only count frames drop them to stay small). */
  keepBodies = true;
  private buffer = Buffer.alloc(0);
  private boundary = '';
  private state: 'head' | 'opening' | 'headers' | 'body' | 'trailer' = 'head';
  private partHeaders = new Map<string, string>();
  private length = 0;
  private waiters: Array<() => void> = [];

  constructor(options: MjpegClientOptions) {
    this.socket = options.unix !== undefined ? connect(options.unix) : connect(options.port ?? 0, options.host ?? '127.0.0.1');
    const extra = Object.entries(options.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    this.socket.write(`GET ${options.path ?? '/stream'} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`);
    this.socket.on('data', (chunk: Buffer) => {
      try {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        this.parse();
      } catch (error) {
        this.error = error as Error;
        this.socket.destroy();
      }
      this.wake();
    });
    this.socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    this.socket.on('error', (error) => {
      this.error ??= error;
    });
  }

  /** Resolves once `count` parts arrived in total (rejects on a framing error or the end). */
  async waitForParts(count: number, timeoutMs = HANG_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.parts.length < count) {
      if (this.error !== undefined) throw this.error;
      if (this.ended) throw new Error(`stream ended after ${this.parts.length} parts`);
      if (Date.now() > deadline) throw new Error(`only ${this.parts.length} of ${count} parts in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private fail(message: string): never {
    throw new Error(`framing: ${message}`);
  }

  private parse(): void {
    for (;;) {
      if (this.state === 'head') {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
        this.buffer = this.buffer.subarray(end + 4);
        const statusLine = lines.shift() ?? '';
        const match = /^HTTP\/1\.[01] (\d{3}) /.exec(statusLine);
        if (match === null) this.fail(`bad status line ${statusLine}`);
        this.status = Number(match[1]);
        for (const line of lines) {
          const colon = line.indexOf(':');
          this.responseHeaders.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
        }
        if (this.status !== 200) return;
        if (this.responseHeaders.has('transfer-encoding')) this.fail('chunked body');
        const type = this.responseHeaders.get('content-type') ?? '';
        const boundary = /^multipart\/x-mixed-replace; boundary=([A-Za-z0-9]+)$/.exec(type);
        if (boundary === null) this.fail(`content type ${type}`);
        this.boundary = boundary[1] ?? '';
        this.state = 'opening';
      }
      if (this.state === 'opening' || this.state === 'trailer') {
        const expected = `${this.state === 'trailer' ? '\r\n' : ''}--${this.boundary}\r\n`;
        if (this.buffer.length < expected.length) return;
        const got = this.buffer.subarray(0, expected.length).toString('latin1');
        if (got !== expected) this.fail(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
        this.buffer = this.buffer.subarray(expected.length);
        this.state = 'headers';
      }
      if (this.state === 'headers') {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        this.partHeaders = new Map();
        for (const line of this.buffer.subarray(0, end).toString('latin1').split('\r\n')) {
          const colon = line.indexOf(': ');
          if (colon <= 0) this.fail(`bad part header ${line}`);
          this.partHeaders.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 2));
        }
        this.buffer = this.buffer.subarray(end + 4);
        if (this.partHeaders.get('content-type') !== 'image/jpeg') this.fail(`part type ${this.partHeaders.get('content-type')}`);
        const length = Number(this.partHeaders.get('content-length'));
        if (!Number.isInteger(length) || length <= 0) this.fail('part without Content-Length');
        this.length = length;
        this.state = 'body';
      }
      if (this.state === 'body') {
        if (this.buffer.length < this.length) return;
        const body = this.buffer.subarray(0, this.length);
        if (body[0] !== 0xff || body[1] !== 0xd8) this.fail('part is not a JPEG');
        this.parts.push({ headers: this.partHeaders, body: this.keepBodies ? Buffer.from(body) : Buffer.alloc(0), receivedAt: Date.now() });
        this.buffer = this.buffer.subarray(this.length);
        this.state = 'trailer';
      }
    }
  }
}
