import type { H264Scene } from './h264-figures.mjs';
export const SCENES: Record<string, (width: number, height: number, fps: number) => string>;
export function benchScene(
  scene: string,
  options: { dir: string; width: number; height: number; fps: number; frames: number; bitrateKbps: number; log: (message: string) => void },
): Promise<H264Scene & { sourceFile: string }>;
