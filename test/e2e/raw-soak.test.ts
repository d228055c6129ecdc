// Issue 15's "done when" for raw output: 720p30 for 60 s with output 'both', a raw consumer and a
// /stream viewer of the same camera. Memory stays bounded (RSS and the raw pool sampled every
// second), raw frames arrive in order, and the viewer keeps the source's rate. Rates are compared
// with each other, never with a clock, so other jobs on the machine make it slower, not red.
import { describe, expect, it } from 'vitest';
import { openCamera, type RawFrame } from '../../src/index.js';
import { closesCameras } from '../helpers/camera.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { serverFixture } from '../helpers/server.js';
import { sleep, waitUntil } from '../helpers/wait.js';

const track = closesCameras();
const servers = serverFixture();
const WIDTH = 1280;
const HEIGHT = 720;
const SECONDS = 60;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describe('raw output at 720p30 for 60 s', () => {
  it("stays bounded and in order, and leaves the JPEG viewer's rate alone", { timeout: (SECONDS + 60) * 1000 }, async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: WIDTH, height: HEIGHT, fps: 30, output: 'both' }));
    const server = await servers.start({ source: camera });
    const viewer = new StrictMjpegClient({ port: server.port ?? 0 });
    viewer.keepBodies = false;
    try {
      let last = { sequence: -1, timestamp: -1 };
      let outOfOrder = 0;
      let badFrames = 0;
      let raws = 0;
      camera.on('raw', (frame: RawFrame) => {
        if (frame.sequence <= last.sequence || frame.timestamp < last.timestamp) outOfOrder++;
        if (frame.width !== WIDTH || frame.height !== HEIGHT || frame.stride !== WIDTH * 2 || frame.data.length !== WIDTH * HEIGHT * 2)
          badFrames++;
        last = { sequence: frame.sequence, timestamp: frame.timestamp };
        raws++;
        frame.release();
      });
      await viewer.waitForParts(30);
      await waitUntil('raw frames', () => raws > 30);
      // Warmed up (pools grown, JIT done): the window starts here.
      const start = { stats: camera.stats(), parts: viewer.parts.length, raws };
      const rss: number[] = [];
      const pools: { allocated: number; leased: number; capacity: number; bytes: number }[] = [];
      for (let second = 0; second < SECONDS; second++) {
        await sleep(1000);
        rss.push(process.memoryUsage().rss);
        pools.push(camera.stats().raw!.pool);
      }
      const end = { stats: camera.stats(), parts: viewer.parts.length, raws };
      const captured = end.stats.captured - start.stats.captured;
      const jpegs = end.stats.delivered - start.stats.delivered;
      const received = end.parts - start.parts;
      const rawDelivered = end.raws - start.raws;
      const drops = end.stats.raw!.dropped;
      console.log(
        `raw soak: ${captured} captured, ${rawDelivered} raw (drops ${JSON.stringify(drops)}), ${jpegs} JPEGs, viewer ${received};` +
          ` RSS ${(Math.min(...rss) / 2 ** 20).toFixed(0)}..${(Math.max(...rss) / 2 ** 20).toFixed(0)} MB`,
      );

      // Frames in order, whole, and the raw consumer kept up with the capture.
      expect(outOfOrder).toBe(0);
      expect(badFrames).toBe(0);
      expect(rawDelivered).toBeGreaterThan(captured * 0.9);
      expect(drops.pool).toBe(0);
      // The viewer got the JPEGs the source made from the same capture, at its rate.
      expect(jpegs).toBeGreaterThan(captured * 0.9);
      expect(received).toBeGreaterThan(jpegs * 0.9);
      expect(viewer.error).toBeUndefined();
      // Bounded: the raw pool never beyond its few buffers, RSS flat (a queue of 720p frames would
      // grow by 1.8 MB a frame, 100 MB in two seconds).
      for (const pool of pools) {
        expect(pool.allocated).toBeLessThanOrEqual(pool.capacity);
        expect(pool.leased).toBeLessThanOrEqual(pool.capacity);
        expect(pool.bytes).toBeLessThanOrEqual(pool.capacity * WIDTH * HEIGHT * 2);
      }
      const early = median(rss.slice(0, 10));
      const late = median(rss.slice(-10));
      expect(late - early).toBeLessThan(24 * 2 ** 20);
      expect(Math.max(...rss) - Math.min(...rss)).toBeLessThan(96 * 2 ** 20);
    } finally {
      viewer.close();
    }
  });
});
