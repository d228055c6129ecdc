// Cameras in tests: closed after each test whatever happened, and read N frames at a time.
import { afterEach } from 'vitest';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';

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
