// Latest frame wins across workers on a live source: a frame that finishes after a newer one was
// delivered is dropped and counted as `dropped.late`, never sent out of order. Four workers on
// the test pattern at a high rate finish out of order often on two cores; the camera runs until
// one shows it. (A pipe keeps every frame instead: see camera-pipe.test.ts.)
import { expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { HANG_MS, waitUntil } from '../helpers/wait.js';

it('drops a frame that finished after a newer one as late, and delivers in sequence order', async () => {
  const camera = await openCamera({ source: 'testsrc', width: 640, height: 480, fps: 1000, workers: 4 });
  try {
    const frames: Frame[] = [];
    camera.on('frame', (frame: Frame) => frames.push(frame));
    await waitUntil('a late frame', () => camera.stats().dropped.late > 0, HANG_MS * 3);
    camera.pause();
    const sequences = frames.map((f) => f.sequence);
    expect(sequences.length).toBeGreaterThan(0);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
  } finally {
    await camera.close();
  }
});
