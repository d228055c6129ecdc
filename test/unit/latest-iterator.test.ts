// The one latest-frame iterator every source hands out: newest frame wins, a failure is rethrown
// once the held frame was taken, close ends it cleanly, and an iterator asked for afterwards ends
// the same way instead of waiting forever.
import { describe, expect, it } from 'vitest';
import { FrameIterators } from '../../src/sources/latest-iterator.js';
import { RelaySource } from '../../src/sources/relay.js';
import type { Frame } from '../../src/types.js';

const frame = (sequence: number): Frame => ({
  data: Buffer.from([sequence]),
  width: 1,
  height: 1,
  format: 'mjpeg',
  sequence,
  timestamp: sequence,
});

describe('FrameIterators', () => {
  it('holds only the newest frame a consumer has not taken', async () => {
    const iterators = new FrameIterators();
    const iterator = iterators.create();
    iterators.push(frame(1));
    iterators.push(frame(2));
    expect((await iterator.next()).value?.sequence).toBe(2);
    const waiting = iterator.next();
    iterators.push(frame(3));
    expect((await waiting).value?.sequence).toBe(3);
  });

  it('hands each frame it replaced or dropped unseen to onSkipped (raw frames release theirs there)', async () => {
    const skipped: number[] = [];
    const iterators = new FrameIterators<Frame>((f) => skipped.push(f.sequence));
    const iterator = iterators.create();
    iterators.push(frame(1));
    iterators.push(frame(2));
    expect((await iterator.next()).value?.sequence).toBe(2);
    iterators.push(frame(3));
    await iterator.return?.();
    expect(skipped).toEqual([1, 3]);
  });

  it('after a failure hands out the held frame, then rejects with the error, then is done', async () => {
    const iterators = new FrameIterators();
    const iterator = iterators.create();
    const failure = new Error('unplugged');
    iterators.push(frame(1));
    iterators.end(failure);
    expect((await iterator.next()).value?.sequence).toBe(1);
    await expect(iterator.next()).rejects.toBe(failure);
    expect((await iterator.next()).done).toBe(true);
    await expect(iterators.create().next()).rejects.toBe(failure);
  });

  it('ends cleanly on close, for a waiting consumer and for one that asks afterwards', async () => {
    const iterators = new FrameIterators();
    const waiting = iterators.create().next();
    iterators.end(null);
    expect((await waiting).done).toBe(true);
    expect((await iterators.create().next()).done).toBe(true);
    expect(iterators.size).toBe(0);
  });

  it('return() detaches the consumer', async () => {
    const iterators = new FrameIterators();
    const iterator = iterators.create();
    await iterator.return?.();
    expect(iterators.size).toBe(0);
  });
});

describe('the relay iterates through it', () => {
  it('an iterator of a closed relay is done instead of waiting forever', async () => {
    const relay = new RelaySource({ url: 'http://127.0.0.1:9/stream' });
    const waiting = relay[Symbol.asyncIterator]().next();
    await relay.close();
    expect((await waiting).done).toBe(true);
    expect((await relay[Symbol.asyncIterator]().next()).done).toBe(true);
  });
});
