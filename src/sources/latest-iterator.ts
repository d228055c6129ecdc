// The AsyncIterable side of a FrameSource. Each iterator holds only the newest frame its consumer
// has not taken yet (latest wins, memory bounded to one frame). When the source stops for good
// every iterator ends, once it has handed out the frame it still held: cleanly after close(), by
// rejecting with the source's error after a failure, so `for await` rethrows it.
import type { Frame } from '../types.js';

type Waiter = { resolve: (result: IteratorResult<Frame>) => void; reject: (error: unknown) => void };

class LatestFrameIterator implements AsyncIterator<Frame> {
  #frame: Frame | null = null;
  #waiter: Waiter | null = null;
  #done = false;
  #error: Error | null = null;
  #onDone: () => void;

  constructor(onDone: () => void) {
    this.#onDone = onDone;
  }

  push(frame: Frame): void {
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve({ value: frame, done: false });
    } else {
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

  next(): Promise<IteratorResult<Frame>> {
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

  return(): Promise<IteratorResult<Frame>> {
    this.#done = true;
    this.#frame = null;
    this.#onDone();
    return Promise.resolve({ value: undefined, done: true });
  }
}

/** Every open iterator of one source. */
export class FrameIterators {
  #open = new Set<LatestFrameIterator>();
  #ended = false;
  #error: Error | null = null;

  /** How many consumers iterate now. */
  get size(): number {
    return this.#open.size;
  }

  /** A new iterator; one asked for after the source ended ends at once, the same way. */
  create(): AsyncIterator<Frame> {
    const iterator = new LatestFrameIterator(() => this.#open.delete(iterator));
    if (this.#ended) iterator.end(this.#error);
    else this.#open.add(iterator);
    return iterator;
  }

  push(frame: Frame): void {
    for (const iterator of this.#open) iterator.push(frame);
  }

  /** The source stopped for good: `null` after close(), its error after a failure. */
  end(error: Error | null): void {
    this.#ended = true;
    this.#error = error;
    for (const iterator of [...this.#open]) iterator.end(error);
  }
}
