// The AsyncIterable side of a FrameSource: yields the newest frame each time the consumer asks,
// skipping what it was too slow for (latest wins, memory bounded to one frame).
import type { EventEmitter } from 'node:events';
import type { Frame } from '../types.js';

export function iterateLatest(source: EventEmitter): AsyncIterator<Frame> {
  let newest: Frame | undefined;
  let waiting: ((result: IteratorResult<Frame>) => void) | undefined;
  let done = false;
  const finish = (): void => {
    done = true;
    source.off('frame', onFrame);
    source.off('error', finish);
    source.off('close', finish);
    waiting?.({ value: undefined, done: true });
    waiting = undefined;
  };
  const onFrame = (frame: Frame): void => {
    if (waiting !== undefined) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value: frame, done: false });
    } else {
      newest = frame;
    }
  };
  source.on('frame', onFrame);
  source.once('error', finish);
  source.once('close', finish);
  return {
    next: () => {
      if (newest !== undefined) {
        const frame = newest;
        newest = undefined;
        return Promise.resolve({ value: frame, done: false });
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return: () => {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
