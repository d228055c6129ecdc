import type { LatencyRow } from './h264-figures.mjs';
export function benchLatency(options: {
  sourceFile: string;
  frames: number;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  seconds: number;
  log: (message: string) => void;
}): Promise<{ seconds: number; clocks: Record<string, number | null>; rows: LatencyRow[] }>;
