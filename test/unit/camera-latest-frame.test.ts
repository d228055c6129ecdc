// Latest frame wins: a JS thread blocked for seconds makes frames drop (counted as busy), never
// pile up in memory, and delivery resumes with the newest frame afterwards.
import { afterEach, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { waitUntil } from '../helpers/wait.js';

let camera: Camera | null = null;
afterEach(async () => {
  await camera?.close();
  camera = null;
});

/** Spins until the native side has captured `frames` more (or the deadline, a hang bound). */
function busyUntilCaptured(source: Camera, frames: number, deadlineMs = 60_000): void {
  const target = source.stats().captured + frames;
  const end = Date.now() + deadlineMs;
  // Spin: the JS thread takes no callbacks while native threads keep capturing and encoding.
  // The count is read every 20 ms only, so the reads themselves allocate next to nothing.
  for (let next = Date.now(); source.stats().captured < target && Date.now() < end; next += 20) {
    while (Date.now() < next) {
      // spin
    }
  }
}

it('drops frames while the JS thread is busy, keeps memory flat, then resumes', async () => {
  camera = await openCamera({ source: 'testsrc', width: 1280, height: 720, fps: 60, quality: 95 });
  const frames: Frame[] = [];
  camera.on('frame', (frame: Frame) => frames.push(frame));
  await waitUntil('three frames', () => frames.length >= 3);
  const frameBytes = frames.at(-1)!.data.length;
  frames.length = 1;
  global.gc?.();
  const before = process.memoryUsage();
  const statsBefore = camera.stats();

  // A count of frames, not a time: a loaded machine only makes the block longer.
  busyUntilCaptured(camera, 300);
  const during = process.memoryUsage();
  const statsAfter = camera.stats();
  const captured = statsAfter.captured - statsBefore.captured;
  // Enough frames were made while blocked that keeping them would show in memory.
  expect(captured).toBeGreaterThanOrEqual(300);
  expect(captured * frameBytes).toBeGreaterThan(4 * 1024 * 1024);
  expect(statsAfter.dropped.busy - statsBefore.dropped.busy).toBeGreaterThan(0);
  const grown = during.rss + during.external - (before.rss + before.external);
  expect(grown).toBeLessThan((captured * frameBytes) / 2);

  const lastBefore = frames.at(-1)!.sequence;
  await waitUntil('three frames after the block', () => frames.length >= 4);
  // The first frame after the block is a recent one, not the oldest one waiting.
  expect(frames[1]!.sequence).toBeGreaterThan(lastBefore + captured / 2);
  expect(frames[2]!.sequence).toBeGreaterThan(frames[1]!.sequence);
});
