import type { H264Results } from './h264-figures.mjs';
export function benchH264(options: {
  quick: boolean;
  log: (message: string) => void;
  dir: string;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
}): Promise<H264Results>;
