// The source the e2e tests stream from: the real Camera on its test pattern.
import { openCamera } from '../../src/camera.js';
import type { FrameSource } from '../../src/sources/source.js';

export async function openTestSource(width = 640, height = 480, fps = 30): Promise<FrameSource> {
  return openCamera({ source: 'testsrc', width, height, fps, workers: 1 });
}
