// `--source http://host/stream`: another MJPEG server (an IP camera, mjpg-streamer, µStreamer or
// another turbocam) as a FrameSource. Frames pass through untouched; when the upstream goes away
// the relay says so (`disconnect`) and keeps retrying until it is back (`reconnect`).
import { EventEmitter } from 'node:events';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isCodedError, TurbocamError } from '../errors.js';
import { monotonicMs } from '../clock.js';
import type { Frame } from '../types.js';
import { jpegSize } from './jpeg-info.js';
import { FrameIterators } from './latest-iterator.js';
import { boundaryOf, MultipartParser } from './multipart-parser.js';
import { noDrops, type FrameSource, type SourceInfo, type SourceStats } from './source.js';

export interface RelayOptions {
  url: string;
  /** Keep retrying when the upstream cannot be reached at start too (default false: reject). */
  persistent?: boolean;
  /** No bytes for this long counts as a lost upstream (ms). */
  timeoutMs?: number;
  /** Delay between reconnection attempts (ms). */
  retryMs?: number;
}

export class RelaySource extends EventEmitter implements FrameSource {
  readonly info: SourceInfo;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private request: ClientRequest | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private online = false;
  private everOnline = false;
  private closed = false;
  private sequence = 0;
  private readonly counters = { captured: 0, delivered: 0, corrupt: 0 };
  private readonly recent: number[] = [];
  private readonly iterators = new FrameIterators();

  /** False until the upstream sends its first frame and while it is lost: the hub shows NO SIGNAL. */
  get connected(): boolean {
    return this.online;
  }

  constructor(options: RelayOptions) {
    super();
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TurbocamError('ERR_INVALID_ARG', `bad relay URL: ${options.url}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TurbocamError('ERR_INVALID_ARG', `relay URL must be http(s): ${options.url}`);
    this.url = url;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retryMs = options.retryMs ?? 1000;
    // Credentials stay out of logs and /state.
    const shown = new URL(url);
    shown.username = '';
    shown.password = '';
    this.info = { kind: 'relay', name: shown.toString(), width: 0, height: 0, format: 'mjpeg', fps: 0 };
  }

  stats(): SourceStats {
    const now = monotonicMs();
    while (this.recent.length > 0 && (this.recent[0] ?? 0) < now - 1000) this.recent.shift();
    return {
      captured: this.counters.captured,
      encoded: 0,
      delivered: this.counters.delivered,
      dropped: { ...noDrops(), corrupt: this.counters.corrupt },
      fps: this.recent.length,
      encodeMs: 0,
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return this.iterators.create();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.request?.destroy();
    this.request = undefined;
    this.iterators.end(null);
    this.emit('close');
  }

  /** Connects; resolves at the first frame, rejects with the first failure. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.attempt((error) => (error === undefined ? resolve() : reject(error)));
    });
  }

  /** Keeps retrying from now on, whatever happened to the first attempt. */
  retryForever(): void {
    if (!this.online) this.scheduleRetry();
  }

  private attempt(settle?: (error?: Error) => void): void {
    if (this.closed) return;
    const requestFn = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = settle === undefined;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
      req.destroy();
      if (this.request === req) this.request = undefined;
      if (!settled) {
        settled = true;
        settle?.(error);
        return;
      }
      this.lost(error);
    };
    const req = requestFn(this.url, { method: 'GET', headers: { Accept: 'multipart/x-mixed-replace, */*' } });
    this.request = req;
    this.armStall(() =>
      fail(new TurbocamError('ETIMEDOUT', `no data from ${this.info.name} for ${this.timeoutMs} ms`, { path: this.info.name })),
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        isCodedError(error)
          ? new TurbocamError(error.code, `${this.info.name}: ${error.message}`, { path: this.info.name, cause: error })
          : error,
      ),
    );
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(new TurbocamError('ERR_UPSTREAM_STATUS', `${this.info.name} answered HTTP ${res.statusCode ?? 0}`, { path: this.info.name }));
        return;
      }
      let parser: MultipartParser;
      try {
        parser = new MultipartParser(boundaryOf(res.headers['content-type']));
      } catch (error) {
        res.resume();
        fail(error as Error);
        return;
      }
      res.on('data', (chunk: Buffer) => {
        this.armStall(() =>
          fail(new TurbocamError('ETIMEDOUT', `no data from ${this.info.name} for ${this.timeoutMs} ms`, { path: this.info.name })),
        );
        let parts;
        try {
          parts = parser.push(chunk);
        } catch (error) {
          fail(error as Error);
          return;
        }
        for (const part of parts) {
          if (this.deliver(part.body) && !settled) {
            settled = true;
            settle?.();
          }
        }
      });
      res.on('end', () => fail(new TurbocamError('ERR_UPSTREAM_END', `${this.info.name} ended the stream`, { path: this.info.name })));
      res.on('error', (error) => fail(error));
    });
    req.end();
  }

  private deliver(body: Buffer): boolean {
    this.counters.captured += 1;
    const size = jpegSize(body);
    if (size === undefined) {
      this.counters.corrupt += 1;
      return false;
    }
    if (!this.online) {
      this.online = true;
      this.info.width = size.width;
      this.info.height = size.height;
      if (this.everOnline) this.emit('reconnect', this.info);
      this.everOnline = true;
    }
    this.info.width = size.width;
    this.info.height = size.height;
    const timestamp = monotonicMs();
    this.recent.push(timestamp);
    this.counters.delivered += 1;
    const frame: Frame = { data: body, width: size.width, height: size.height, format: 'mjpeg', sequence: this.sequence++, timestamp };
    this.emit('frame', frame);
    this.iterators.push(frame);
    return true;
  }

  private lost(error: Error): void {
    if (this.closed) return;
    if (this.online) this.online = false;
    // Repeated while down, so a hub attached late still learns there is no signal.
    this.emit('disconnect', error);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.attempt();
    }, this.retryMs);
  }

  private armStall(onStall: () => void): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(onStall, this.timeoutMs);
  }
}

/**
 * Opens a relay of the MJPEG stream at `options.url`. Resolves once the first frame arrived;
 * rejects when the upstream cannot be reached, unless `persistent` (then it retries until it can,
 * showing NO SIGNAL meanwhile).
 */
export async function openRelay(options: RelayOptions): Promise<RelaySource> {
  const relay = new RelaySource(options);
  try {
    await relay.connect();
  } catch (error) {
    if (options.persistent !== true) {
      await relay.close();
      throw error;
    }
    relay.retryForever();
    setImmediate(() => relay.emit('disconnect', error));
  }
  return relay;
}
