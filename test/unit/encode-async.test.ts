// encode() runs on native worker threads: the JS thread stays free while frames compress.
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { encode, encodeSync, testPattern } from '../../src/index.js';

describe('async encode', () => {
  it('many concurrent encodes resolve while JS timers keep firing', async () => {
    const [width, height] = [1280, 720];
    const frames = [0, 1, 2, 3].map((n) => testPattern({ width, height, format: 'yuyv', frame: n }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const ticksAtResolve: number[] = [];
    const jobs = Array.from({ length: 48 }, (_, i) =>
      encode(frames[i % 4] as Buffer, { width, height, format: 'yuyv' }).then((out) => {
        ticksAtResolve.push(ticks);
        return out;
      }),
    );
    // If encode ran on this thread, every JPEG would exist before the first timer tick.
    const results = await Promise.all(jobs);
    clearInterval(timer);
    // An ordering, not a rate: some encode resolved after a timer tick.
    expect(Math.max(...ticksAtResolve)).toBeGreaterThanOrEqual(1);
    // Each result is its own frame's JPEG, not a buffer another job overwrote.
    const references = frames.map((frame) => encodeSync(frame, { width, height, format: 'yuyv' }));
    for (const [i, out] of results.entries()) expect(out.equals(references[i % 4] as Buffer)).toBe(true);
    expect(jpeg.decode(results[0] as Buffer, { useTArray: true }).width).toBe(width);
  });
});
