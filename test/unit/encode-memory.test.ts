// Zero-copy Buffers borrow pooled memory: a long run must keep the pool within its bound, RSS
// within a margin, and every finalizer must give its buffer back.
import { describe, expect, it } from 'vitest';
import { encode, encoderStats, testPattern } from '../../src/index.js';
import { collect } from '../helpers/memory.js';

const ENCODES = 10_000;
// Documented margin: a 10,000-encode run may not grow RSS by more than this (the pool's buffers
// and V8's heap settling take a few MB; a leak of the 64x48 JPEGs alone would be ~10 MB of JPEG
// bytes and ~140 MB of leases).
const RSS_MARGIN = 48 * 1024 * 1024;

describe('encoder memory', () => {
  it(`${ENCODES} encodes keep the pool bounded, RSS within ${RSS_MARGIN >> 20} MB, and return every buffer`, async () => {
    const [width, height] = [64, 48];
    const frame = testPattern({ width, height, format: 'yuyv', frame: 1 });
    const options = { width, height, format: 'yuyv' } as const;
    for (let i = 0; i < 200; i++) await encode(frame, options);
    await collect();
    const before = encoderStats().pool;
    const rssBefore = process.memoryUsage().rss;

    let maxAllocated = 0;
    let lengthSum = 0;
    for (let i = 0; i < ENCODES; i++) {
      const jpeg = await encode(frame, options);
      lengthSum += jpeg.length;
      if (i % 100 === 0) maxAllocated = Math.max(maxAllocated, encoderStats().pool.allocated);
    }
    await collect();
    const after = encoderStats().pool;
    const rssGrowth = process.memoryUsage().rss - rssBefore;

    expect(lengthSum).toBeGreaterThan(0);
    expect(maxAllocated).toBeLessThanOrEqual(after.capacity);
    expect(after.allocated).toBeLessThanOrEqual(after.capacity);
    // Between collections the pool runs out; those frames are exact copies.
    expect(after.leases + after.copies - before.leases - before.copies).toBe(ENCODES);
    expect(after.leased).toBe(0);
    expect(after.idle).toBe(after.allocated);
    expect(rssGrowth).toBeLessThan(RSS_MARGIN);
  });

  it('a Buffer held by JS keeps its lease until it is collected', async () => {
    await collect();
    const frame = testPattern({ width: 64, height: 48, format: 'grey' });
    let held: Buffer | undefined = await encode(frame, { width: 64, height: 48, format: 'grey' });
    await collect();
    expect(encoderStats().pool.leased).toBe(1);
    expect(held[0]).toBe(0xff);
    held = undefined;
    await collect();
    expect(encoderStats().pool.leased).toBe(0);
  });

  it('frames beyond the bound are exact copies, freed on collection', async () => {
    await collect();
    const before = encoderStats().pool;
    const frame = testPattern({ width: 64, height: 48, format: 'grey' });
    const options = { width: 64, height: 48, format: 'grey' } as const;
    let held: Buffer[] = [];
    for (let i = 0; i < before.capacity + 5; i++) held.push(await encode(frame, options));
    const during = encoderStats().pool;
    expect(during.allocated).toBe(during.capacity);
    expect(during.copies - before.copies).toBe(5);
    expect(held.every((jpeg) => jpeg[0] === 0xff && jpeg[1] === 0xd8 && jpeg.at(-1) === 0xd9)).toBe(true);
    expect(during.leased).toBe(before.capacity + 5);
    held = [];
    await collect();
    // Pooled buffers and copies alike are given back once collected.
    expect(encoderStats().pool.leased).toBe(0);
  });
});
