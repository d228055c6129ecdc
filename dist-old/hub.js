// The newest frame and everyone who wants it. Sits between one FrameSource and every client:
// drops byte-identical repeats (bounded), re-sends the newest frame when the stream goes idle so
// browsers keep painting, and shows NO SIGNAL while a persistent source is disconnected.
import { EventEmitter } from 'node:events';
function canPause(source) {
    const candidate = source;
    return typeof candidate.pause === 'function' && typeof candidate.resume === 'function';
}
/**
 * Events: `frame` (Frame, each frame published to subscribers), `signal` (boolean),
 * `error` (the source failed for good).
 */
export class FrameHub extends EventEmitter {
    source;
    frameListeners = new Set();
    dropSameFrames;
    refreshMs;
    noSignalFps;
    pauseAfterMs;
    noSignalOption;
    noSignalFrame;
    newest;
    lastSourceFrame;
    sameInARow = 0;
    lastPublishAt = 0;
    refreshTimer;
    noSignalTimer;
    pauseTimer;
    holds = 0;
    paused = false;
    closed = false;
    hasSignal = true;
    failure;
    /** Counters for /state and /metrics. */
    counters = { published: 0, droppedSame: 0, refreshed: 0, noSignal: 0 };
    /** Captured and encoded frames per second, from the source's counters over the last second. */
    rates = { captured: 0, encoded: 0, delivered: 0 };
    rateSample;
    onFrame = (frame) => this.accept(frame);
    onDisconnect = () => this.setSignal(false);
    onReconnect = () => this.setSignal(true);
    onError = (error) => {
        this.failure = error;
        this.setSignal(false);
        if (this.listenerCount('error') > 0)
            this.emit('error', error);
    };
    constructor(source, options = {}) {
        super();
        this.source = source;
        this.dropSameFrames = Math.max(0, Math.floor(options.dropSameFrames ?? 0));
        this.refreshMs = options.refreshMs ?? 1000;
        this.noSignalFps = options.noSignalFps ?? 2;
        this.pauseAfterMs = options.pauseAfterMs ?? 3000;
        this.noSignalOption = options.noSignal;
        source.on('frame', this.onFrame);
        source.on('disconnect', this.onDisconnect);
        source.on('reconnect', this.onReconnect);
        source.on('error', this.onError);
        // A persistent source still waiting for its device: NO SIGNAL until it connects.
        if (source.connected === false)
            this.setSignal(false);
        // One timer samples the rates and, when enabled, refreshes idle streams.
        this.refreshTimer = setInterval(() => this.refresh(), this.refreshMs > 0 ? Math.max(50, Math.floor(this.refreshMs / 4)) : 250);
        this.refreshTimer.unref();
        // Nobody watches yet: let a pausable source rest until someone does.
        this.schedulePause();
    }
    get info() {
        return this.source.info;
    }
    /** The newest frame sent to subscribers (a NO SIGNAL frame while disconnected). */
    get latest() {
        return this.newest;
    }
    get signal() {
        return this.hasSignal;
    }
    /** Why the source stopped for good, if it did. */
    get error() {
        return this.failure;
    }
    /** Calls `listener` with every published frame until the returned function is called. */
    subscribe(listener) {
        this.frameListeners.add(listener);
        const release = this.hold();
        let active = true;
        return () => {
            if (!active)
                return;
            active = false;
            this.frameListeners.delete(listener);
            release();
        };
    }
    /** Keeps the source running (e.g. while a snapshot waits) until the returned function is called. */
    hold() {
        this.holds += 1;
        if (this.pauseTimer !== undefined) {
            clearTimeout(this.pauseTimer);
            this.pauseTimer = undefined;
        }
        if (this.paused && canPause(this.source)) {
            this.paused = false;
            this.source.resume();
        }
        let held = true;
        return () => {
            if (!held)
                return;
            held = false;
            this.holds -= 1;
            this.schedulePause();
        };
    }
    /**
     * The newest frame, waiting up to `timeoutMs` for one when there is none yet, or when the
     * newest is older than `maxAgeMs` or was left behind by a source paused since.
     */
    async nextFrame(timeoutMs, maxAgeMs = Number.POSITIVE_INFINITY) {
        const current = this.newest;
        if (current !== undefined && !this.paused && (!this.hasSignal || monotonicMs() - current.timestamp <= maxAgeMs))
            return current;
        const release = this.hold();
        try {
            return await new Promise((resolve) => {
                const done = (frame) => {
                    clearTimeout(timer);
                    this.off('frame', done);
                    resolve(frame);
                };
                const timer = setTimeout(() => done(this.newest), timeoutMs);
                this.on('frame', done);
            });
        }
        finally {
            release();
        }
    }
    /** Detaches from the source (which the caller closes) and stops the timers. */
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.source.off('frame', this.onFrame);
        this.source.off('disconnect', this.onDisconnect);
        this.source.off('reconnect', this.onReconnect);
        this.source.off('error', this.onError);
        for (const timer of [this.refreshTimer, this.noSignalTimer, this.pauseTimer]) {
            if (timer !== undefined)
                clearTimeout(timer);
        }
        this.frameListeners.clear();
    }
    accept(frame) {
        if (this.closed)
            return;
        if (!this.hasSignal)
            this.setSignal(true);
        const previous = this.lastSourceFrame;
        this.lastSourceFrame = frame;
        if (this.dropSameFrames > 0 &&
            previous !== undefined &&
            this.sameInARow < this.dropSameFrames &&
            previous.data.length === frame.data.length &&
            previous.data.equals(frame.data)) {
            this.sameInARow += 1;
            this.counters.droppedSame += 1;
            return;
        }
        this.sameInARow = 0;
        this.publish(frame);
    }
    publish(frame) {
        this.newest = frame;
        this.lastPublishAt = Date.now();
        this.counters.published += 1;
        for (const listener of this.frameListeners)
            listener(frame);
        this.emit('frame', frame);
    }
    sampleRates() {
        const now = Date.now();
        const previous = this.rateSample;
        if (previous !== undefined && now - previous.at < 1000)
            return;
        const { captured, encoded, delivered } = this.source.stats();
        if (previous !== undefined) {
            const seconds = (now - previous.at) / 1000;
            this.rates.captured = Math.round(((captured - previous.captured) / seconds) * 10) / 10;
            this.rates.encoded = Math.round(((encoded - previous.encoded) / seconds) * 10) / 10;
            this.rates.delivered = Math.round(((delivered - previous.delivered) / seconds) * 10) / 10;
        }
        this.rateSample = { at: now, captured, encoded, delivered };
    }
    refresh() {
        this.sampleRates();
        const frame = this.newest;
        if (this.refreshMs <= 0 || frame === undefined || !this.hasSignal || this.frameListeners.size === 0)
            return;
        if (Date.now() - this.lastPublishAt < this.refreshMs)
            return;
        this.counters.refreshed += 1;
        this.publish(frame);
    }
    setSignal(signal) {
        if (this.closed || signal === this.hasSignal)
            return;
        this.hasSignal = signal;
        if (signal) {
            this.failure = undefined;
            if (this.noSignalTimer !== undefined)
                clearInterval(this.noSignalTimer);
            this.noSignalTimer = undefined;
        }
        else {
            this.lastSourceFrame = undefined;
            this.sameInARow = 0;
            const sendNoSignal = () => {
                const frame = this.renderNoSignal();
                if (frame !== undefined)
                    this.publish(frame);
            };
            sendNoSignal();
            this.noSignalTimer = setInterval(sendNoSignal, Math.round(1000 / Math.max(0.1, this.noSignalFps)));
            this.noSignalTimer.unref();
        }
        this.emit('signal', signal);
    }
    renderNoSignal() {
        const option = this.noSignalOption;
        if (option === undefined)
            return undefined;
        if (this.noSignalFrame === undefined) {
            const { width, height } = this.source.info;
            const data = typeof option === 'function' ? option(width || 640, height || 480) : option;
            this.noSignalFrame = { data, width: width || 640, height: height || 480, format: 'mjpeg', sequence: 0, timestamp: 0 };
        }
        this.counters.noSignal += 1;
        // A fresh Frame each time so clients see a moving sequence and timestamp; the JPEG is shared.
        return { ...this.noSignalFrame, sequence: this.counters.noSignal, timestamp: monotonicMs() };
    }
    schedulePause() {
        if (this.closed || this.holds > 0 || this.paused || !canPause(this.source))
            return;
        if (this.pauseTimer !== undefined)
            clearTimeout(this.pauseTimer);
        const source = this.source;
        this.pauseTimer = setTimeout(() => {
            this.pauseTimer = undefined;
            if (this.holds > 0 || this.closed)
                return;
            this.paused = true;
            source.pause();
        }, this.pauseAfterMs);
        this.pauseTimer.unref();
    }
}
/** Milliseconds of CLOCK_MONOTONIC, the clock of Frame.timestamp. */
export function monotonicMs() {
    return Number(process.hrtime.bigint()) / 1e6;
}
//# sourceMappingURL=hub.js.map