// Cameras in tests: closed after each test whatever happened, read N frames at a time, paused.
import { afterEach } from 'vitest';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { sleep, waitUntil } from './wait.js';

/** Registers an afterEach that closes every camera handed to the returned function. */
export function closesCameras(): <T extends Camera>(camera: T) => T {
  const open: Camera[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((camera) => camera.close()));
  });
  return (camera) => {
    open.push(camera);
    return camera;
  };
}

/** The next `count` frames from the camera's async iterator (which holds only the newest). */
export async function takeFrames(camera: Camera, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  if (count <= 0) return frames;
  for await (const frame of camera) {
    frames.push(frame);
    if (frames.length >= count) break;
  }
  return frames;
}

/** Pauses the camera and resolves once encoding has stopped. Frames already with a worker may
 *  still land: settled once the encoded count stands still, `everyMs` apart, while several more
 *  frames are captured. */
export async function pauseSettled(camera: Camera, everyMs: number): Promise<void> {
  camera.pause();
  let settledAt = camera.stats();
  await waitUntil('encoding to stop', async () => {
    await sleep(everyMs);
    const now = camera.stats();
    const settled = now.encoded === settledAt.encoded && now.captured - settledAt.captured >= 3;
    if (!settled) settledAt = now;
    return settled;
  });
}
