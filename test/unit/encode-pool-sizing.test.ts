// The pool's buffers follow real JPEG sizes, not tjBufSize's worst case: leases are sized from
// recent JPEGs, a JPEG that outgrows its lease is grown into a bigger one, and an exhausted pool
// (a synchronous loop, where finalizers cannot run) serves exact copies.
import jpeg from 'jpeg-js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { encode, encodeSync, encoderStats, testPattern } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collect(): Promise<void> {
  // Finalizers of external buffers run after the GC that found them dead, from the event loop.
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function decode(data: Uint8Array): { width: number; height: number; data: Uint8Array } {
  return jpeg.decode(data, { useTArray: true, formatAsRGBA: false });
}

function isJpeg(data: Uint8Array): boolean {
  return data.length > 4 && data[0] === 0xff && data[1] === 0xd8 && data.at(-2) === 0xff && data.at(-1) === 0xd9;
}

// Deterministic noise: incompressible frames, JPEGs near the worst case.
function noise(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const [W, H] = [1280, 720];
const OPTIONS = { width: W, height: H, format: 'yuyv' } as const;
// tjBufSize for 1280x720 4:2:2, the size every buffer used to have.
const WORST_CASE = 3_600_000;

describe('pool sizing', () => {
  it('2,000 awaited 720p encodes keep the pool within capacity x 4 x the largest JPEG', async () => {
    // In a function of its own, so no reference to the last JPEG outlives the loop.
    const run = async (): Promise<[number, number]> => {
      const frames = Array.from({ length: 8 }, (_, i) => testPattern({ ...OPTIONS, frame: i * 7 }));
      let largestJpeg = 0;
      let most = 0;
      for (let i = 0; i < 2_000; i++) {
        const out = await encode(frames[i % frames.length]!, OPTIONS);
        largestJpeg = Math.max(largestJpeg, out.length);
        if (i % 50 === 0) most = Math.max(most, encoderStats().pool.bytes);
      }
      return [largestJpeg, most];
    };
    let [largest, maxBytes] = await run();
    await collect();
    const pool = encoderStats().pool;
    maxBytes = Math.max(maxBytes, pool.bytes);
    expect(largest).toBeGreaterThan(10_000);
    expect(pool.allocated).toBeLessThanOrEqual(pool.capacity);
    expect(maxBytes).toBeLessThan(pool.capacity * 4 * largest);
    expect(maxBytes).toBeLessThan((pool.capacity * WORST_CASE) / 8);
    expect(pool.leased).toBe(0);
  });

  it('200 encodeSync calls in a row: copies beyond the bound, no worst-case buffers, every JPEG valid', async () => {
    const frames = Array.from({ length: 10 }, (_, i) => testPattern({ ...OPTIONS, frame: i * 3 }));
    await collect();
    const before = encoderStats().pool;
    const externalBefore = process.memoryUsage().external;
    const outs: Buffer[] = [];
    for (let i = 0; i < 200; i++) outs.push(encodeSync(frames[i % frames.length]!, OPTIONS));
    const during = encoderStats().pool;
    const externalGrowth = process.memoryUsage().external - externalBefore;
    const largest = Math.max(...outs.map((out) => out.length));
    const total = outs.reduce((sum, out) => sum + out.length, 0);

    // Finalizers cannot run inside the loop: every idle buffer was used, the rest were copies.
    expect(during.copies - before.copies).toBe(200 - before.idle - (before.capacity - before.allocated));
    expect(during.bytes).toBeLessThan(during.capacity * 4 * largest);
    // A worst-case one-off buffer per frame would add ~3.6 MB of external memory each.
    expect(externalGrowth).toBeLessThan(total + during.bytes);
    expect(outs.every(isJpeg)).toBe(true);
    // jpeg-js takes ~0.3 s per 720p frame here: decode every tenth frame, which covers both paths.
    for (let i = 0; i < outs.length; i += 10) {
      const image = decode(outs[i]!);
      expect([image.width, image.height]).toEqual([W, H]);
    }
    outs.length = 0;
    await collect();
    const after = encoderStats().pool;
    expect(after.leased).toBe(0);
    expect(after.idle).toBe(after.allocated);
  });

  it('a noisy frame after many simple ones outgrows its lease, is grown, and decodes', async () => {
    const simple = testPattern({ ...OPTIONS, frame: 1 });
    let simpleLength = 0;
    for (let i = 0; i < 50; i++) simpleLength = Math.max(simpleLength, (await encode(simple, OPTIONS)).length);
    const before = encoderStats().pool;
    const source = noise(W * H * 2, 7);
    const noisy = await encode(source, OPTIONS);
    const after = encoderStats().pool;
    expect(noisy.length).toBeGreaterThan(4 * simpleLength);
    expect(after.grown - before.grown).toBe(1);
    const image = decode(noisy);
    expect([image.width, image.height]).toEqual([W, H]);
    // Noise survives encoding: the decoded luma is not flat.
    let sum = 0;
    for (let i = 0; i < 3000; i += 3) sum += Math.abs(image.data[i]! - image.data[i + 3]!);
    expect(sum / 1000).toBeGreaterThan(20);
    // The next simple frame is unaffected.
    expect(isJpeg(await encode(simple, OPTIONS))).toBe(true);
  });

  it('alternating noisy and simple frames of two sizes, pooled and copied, all decode at their size', async () => {
    const sizes = [
      [320, 240],
      [160, 120],
    ] as const;
    const before = encoderStats().pool;
    const held: Buffer[] = [];
    const expected: Array<readonly [number, number]> = [];
    for (let i = 0; i < 60; i++) {
      const [width, height] = sizes[i % 2]!;
      const frame = i % 3 === 0 ? noise(width * height * 2, i + 1) : testPattern({ width, height, format: 'yuyv', frame: i });
      const options = { width, height, format: 'yuyv' } as const;
      // Held, so the pool runs out: the later half goes through the copy path.
      held.push(i % 2 === 0 ? await encode(frame, options) : encodeSync(frame, options));
      expected.push([width, height]);
    }
    const after = encoderStats().pool;
    expect(after.grown - before.grown).toBeGreaterThan(0);
    expect(after.copies - before.copies).toBeGreaterThan(0);
    held.forEach((out, i) => {
      const image = decode(out);
      expect([image.width, image.height]).toEqual(expected[i]);
    });
    held.length = 0;
    await collect();
    expect(encoderStats().pool.leased).toBe(0);
  });

  it('mjpeg pass-through beyond the bound copies the normalised JPEG byte for byte', async () => {
    const input = Buffer.from(
      encodeSync(testPattern({ width: 320, height: 240, format: 'yuyv' }), { width: 320, height: 240, format: 'yuyv' }),
    );
    await collect();
    const options = { width: 320, height: 240, format: 'mjpeg' } as const;
    const before = encoderStats().pool;
    const held = Array.from({ length: before.capacity + 8 }, () => encodeSync(input, options));
    const after = encoderStats().pool;
    expect(after.copies - before.copies).toBe(8);
    expect(held.every((out) => out.equals(held[0]!))).toBe(true);
    expect(decode(held.at(-1)!).width).toBe(320);
    held.length = 0;
    await collect();
    expect(encoderStats().pool.leased).toBe(0);
  });
});
