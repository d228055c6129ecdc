// `--source http://host/stream`: another MJPEG server (an IP camera, mjpg-streamer, µStreamer or
// another turbocam) as a FrameSource. Frames pass through untouched; when the upstream goes away
// the relay says so (`disconnect`) and keeps retrying until it is back (`reconnect`).
import { EventEmitter } from 'node:events';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { codedError, isCodedError } from '../errors.js';
import { monotonicMs } from '../hub.js';
import { jpegSize } from './jpeg-info.js';
import { iterateLatest } from './latest-iterator.js';
import { boundaryOf, MultipartParser } from './multipart-parser.js';
export class RelaySource extends EventEmitter {
    info;
    url;
    timeoutMs;
    retryMs;
    request;
    stallTimer;
    retryTimer;
    online = false;
    everOnline = false;
    closed = false;
    sequence = 0;
    counters = { captured: 0, delivered: 0, corrupt: 0 };
    recent = [];
    /** False until the upstream sends its first frame and while it is lost: the hub shows NO SIGNAL. */
    get connected() {
        return this.online;
    }
    constructor(options) {
        super();
        let url;
        try {
            url = new URL(options.url);
        }
        catch {
            throw codedError('ERR_INVALID_ARG', `bad relay URL: ${options.url}`);
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
            throw codedError('ERR_INVALID_ARG', `relay URL must be http(s): ${options.url}`);
        this.url = url;
        this.timeoutMs = options.timeoutMs ?? 5000;
        this.retryMs = options.retryMs ?? 1000;
        // Credentials stay out of logs and /state.
        const shown = new URL(url);
        shown.username = '';
        shown.password = '';
        this.info = { kind: 'relay', name: shown.toString(), width: 0, height: 0, format: 'mjpeg', fps: 0 };
    }
    stats() {
        const now = monotonicMs();
        while (this.recent.length > 0 && (this.recent[0] ?? 0) < now - 1000)
            this.recent.shift();
        return {
            captured: this.counters.captured,
            encoded: 0,
            delivered: this.counters.delivered,
            dropped: { busy: 0, late: 0, corrupt: this.counters.corrupt, error: 0 },
            fps: this.recent.length,
            encodeMs: 0,
        };
    }
    [Symbol.asyncIterator]() {
        return iterateLatest(this);
    }
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        if (this.retryTimer !== undefined)
            clearTimeout(this.retryTimer);
        if (this.stallTimer !== undefined)
            clearTimeout(this.stallTimer);
        this.request?.destroy();
        this.request = undefined;
        this.emit('close');
    }
    /** Connects; resolves at the first frame, rejects with the first failure. */
    connect() {
        return new Promise((resolve, reject) => {
            this.attempt((error) => (error === undefined ? resolve() : reject(error)));
        });
    }
    /** Keeps retrying from now on, whatever happened to the first attempt. */
    retryForever() {
        if (!this.online)
            this.scheduleRetry();
    }
    attempt(settle) {
        if (this.closed)
            return;
        const requestFn = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
        let settled = settle === undefined;
        let failed = false;
        const fail = (error) => {
            if (failed)
                return;
            failed = true;
            if (this.stallTimer !== undefined)
                clearTimeout(this.stallTimer);
            req.destroy();
            if (this.request === req)
                this.request = undefined;
            if (!settled) {
                settled = true;
                settle?.(error);
                return;
            }
            this.lost(error);
        };
        const req = requestFn(this.url, { method: 'GET', headers: { Accept: 'multipart/x-mixed-replace, */*' } });
        this.request = req;
        this.armStall(() => fail(codedError('ETIMEDOUT', `no data from ${this.info.name} for ${this.timeoutMs} ms`, { path: this.info.name })));
        req.on('error', (error) => fail(isCodedError(error) ? codedError(error.code, `${this.info.name}: ${error.message}`, { path: this.info.name, cause: error }) : error));
        req.on('response', (res) => {
            if (res.statusCode !== 200) {
                res.resume();
                fail(codedError('ERR_UPSTREAM_STATUS', `${this.info.name} answered HTTP ${res.statusCode ?? 0}`, { path: this.info.name }));
                return;
            }
            let parser;
            try {
                parser = new MultipartParser(boundaryOf(res.headers['content-type']));
            }
            catch (error) {
                res.resume();
                fail(error);
                return;
            }
            res.on('data', (chunk) => {
                this.armStall(() => fail(codedError('ETIMEDOUT', `no data from ${this.info.name} for ${this.timeoutMs} ms`, { path: this.info.name })));
                let parts;
                try {
                    parts = parser.push(chunk);
                }
                catch (error) {
                    fail(error);
                    return;
                }
                for (const part of parts) {
                    if (this.deliver(part.body) && !settled) {
                        settled = true;
                        settle?.();
                    }
                }
            });
            res.on('end', () => fail(codedError('ERR_UPSTREAM_END', `${this.info.name} ended the stream`, { path: this.info.name })));
            res.on('error', (error) => fail(error));
        });
        req.end();
    }
    deliver(body) {
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
            if (this.everOnline)
                this.emit('reconnect', this.info);
            this.everOnline = true;
        }
        this.info.width = size.width;
        this.info.height = size.height;
        const timestamp = monotonicMs();
        this.recent.push(timestamp);
        this.counters.delivered += 1;
        const frame = { data: body, width: size.width, height: size.height, format: 'mjpeg', sequence: this.sequence++, timestamp };
        this.emit('frame', frame);
        return true;
    }
    lost(error) {
        if (this.closed)
            return;
        if (this.online)
            this.online = false;
        // Repeated while down, so a hub attached late still learns there is no signal.
        this.emit('disconnect', error);
        this.scheduleRetry();
    }
    scheduleRetry() {
        if (this.closed || this.retryTimer !== undefined)
            return;
        this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.attempt();
        }, this.retryMs);
    }
    armStall(onStall) {
        if (this.stallTimer !== undefined)
            clearTimeout(this.stallTimer);
        this.stallTimer = setTimeout(onStall, this.timeoutMs);
    }
}
/**
 * Opens a relay of the MJPEG stream at `options.url`. Resolves once the first frame arrived;
 * rejects when the upstream cannot be reached, unless `persistent` (then it retries until it can,
 * showing NO SIGNAL meanwhile).
 */
export async function openRelay(options) {
    const relay = new RelaySource(options);
    try {
        await relay.connect();
    }
    catch (error) {
        if (options.persistent !== true) {
            await relay.close();
            throw error;
        }
        relay.retryForever();
        setImmediate(() => relay.emit('disconnect', error));
    }
    return relay;
}
//# sourceMappingURL=relay.js.map