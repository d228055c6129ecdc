// The AsyncIterable side of a FrameSource. Each iterator holds only the newest frame its consumer
// has not taken yet (latest wins, memory bounded to one frame). When the source stops for good
// every iterator ends, once it has handed out the frame it still held: cleanly after close(), by
// rejecting with the source's error after a failure, so `for await` rethrows it. The same serves
// JPEG frames and raw frames; a raw frame an iterator replaces unseen goes to `onSkipped`.
import type { Frame } from '../types.js';

type Waiter<T> = { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void };

class LatestFrameIterator<T> implements AsyncIterator<T> {
  #frame: T | null = null;
  #waiter: Waiter<T> | null = null;
  #done = false;
  #error: Error | null = null;
  #onDone: () => void;
  #onSkipped: ((frame: T) => void) | undefined;

  constructor(onDone: () => void, onSkipped?: (frame: T) => void) {
    this.#onDone = onDone;
    this.#onSkipped = onSkipped;
  }

  push(frame: T): void {
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve({ value: frame, done: false });
    } else {
      if (this.#frame !== null) this.#onSkipped?.(this.#frame);
      this.#frame = frame;
    }
  }

  end(error: Error | null): void {
    this.#done = true;
    this.#error = error;
    this.#onDone();
    const waiter = this.#waiter;
    this.#waiter = null;
    if (!waiter) return;
    if (error) waiter.reject(error);
    else waiter.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#frame) {
      const frame = this.#frame;
      this.#frame = null;
      return Promise.resolve({ value: frame, done: false });
    }
    if (this.#done) {
      if (this.#error) {
        const error = this.#error;
        this.#error = null;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#done = true;
    if (this.#frame !== null) this.#onSkipped?.(this.#frame);
    this.#frame = null;
    this.#onDone();
    return Promise.resolve({ value: undefined, done: true });
  }
}

/** Every open iterator of one source. `onSkipped` hears of each frame an iterator replaced or
 *  dropped before its consumer took it. */
export class FrameIterators<T = Frame> {
  #open = new Set<LatestFrameIterator<T>>();
  #ended = false;
  #error: Error | null = null;
  #onSkipped: ((frame: T) => void) | undefined;

  constructor(onSkipped?: (frame: T) => void) {
    this.#onSkipped = onSkipped;
  }

  /** How many consumers iterate now. */
  get size(): number {
    return this.#open.size;
  }

  /** A new iterator; one asked for after the source ended ends at once, the same way. */
  create(): AsyncIterator<T> {
    const iterator: LatestFrameIterator<T> = new LatestFrameIterator<T>(() => this.#open.delete(iterator), this.#onSkipped);
    if (this.#ended) iterator.end(this.#error);
    else this.#open.add(iterator);
    return iterator;
  }

  push(frame: T): void {
    for (const iterator of this.#open) iterator.push(frame);
  }

  /** The source stopped for good: `null` after close(), its error after a failure. */
  end(error: Error | null): void {
    this.#ended = true;
    this.#error = error;
    for (const iterator of [...this.#open]) iterator.end(error);
  }
}
