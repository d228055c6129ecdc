// A Camera's raw frames (output 'raw' or 'both'): its `raw` listeners and rawFrames() iterators,
// latest frame wins as for JPEG frames. A frame that nobody can still take goes back to the raw
// pool at once, so a camera nobody reads raw frames from never runs its pool dry.
import type { RawFrame, RawPixelFormatName } from '../types.js';
import { FrameIterators } from './latest-iterator.js';

/** What every raw frame of one negotiation shares. */
export type RawGeometry = Pick<RawFrame, 'width' | 'height' | 'format' | 'stride'>;

/** The Camera, as far as raw frames go. */
export interface RawFrameEmitter {
  emit(event: 'raw', frame: RawFrame): boolean;
  listenerCount(event: 'raw'): number;
}

export class RawOutput {
  #emitter: RawFrameEmitter;
  /** Gives a raw frame's buffer back to the pool it was lent from. */
  #releaseBuffer: (buffer: ArrayBufferLike) => void;
  #iterators: FrameIterators<RawFrame>;
  /** Null without raw output, or when the source negotiated MJPEG. */
  #geometry: RawGeometry | null = null;

  constructor(emitter: RawFrameEmitter, releaseBuffer: (buffer: ArrayBufferLike) => void) {
    this.#emitter = emitter;
    this.#releaseBuffer = releaseBuffer;
    this.#iterators = new FrameIterators<RawFrame>((frame) => {
      if (emitter.listenerCount('raw') === 0 && this.#iterators.size <= 1) frame.release();
    });
  }

  /** Raw frames are as captured, before turbocam's rotation; a source that sends MJPEG has none. */
  negotiate(wanted: boolean, info: { width: number; height: number; format: string }, stride: number): void {
    const raw = wanted && info.format !== 'mjpeg';
    this.#geometry = raw ? { width: info.width, height: info.height, format: info.format as RawPixelFormatName, stride } : null;
  }

  get iteratorCount(): number {
    return this.#iterators.size;
  }

  /** Whether a frame delivered now would reach anyone. */
  get wanted(): boolean {
    return this.#geometry !== null && (this.#emitter.listenerCount('raw') > 0 || this.#iterators.size > 0);
  }

  iterable(): AsyncIterable<RawFrame> {
    return { [Symbol.asyncIterator]: () => this.#iterators.create() };
  }

  release(data: Buffer): void {
    this.#releaseBuffer(data.buffer);
  }

  deliver(data: Buffer, sequence: number, timestamp: number): void {
    const geometry = this.#geometry;
    if (geometry === null) {
      this.release(data);
      return;
    }
    const frame: RawFrame = { data, ...geometry, sequence, timestamp, release: () => this.release(data) };
    this.#emitter.emit('raw', frame);
    this.#iterators.push(frame);
  }

  end(error: Error | null): void {
    this.#iterators.end(error);
  }
}
