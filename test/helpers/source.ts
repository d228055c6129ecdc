// The source the e2e tests stream from.
import type { FrameSource } from '../../src/sources/source.js';
import { FfmpegSource } from './ffmpeg-source.js';

export async function openTestSource(width = 640, height = 480, fps = 30): Promise<FrameSource> {
  return new FfmpegSource(width, height, fps);
}
