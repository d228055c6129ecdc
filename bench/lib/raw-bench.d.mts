import type { StageFigures } from './cost.mjs';
export type Output = 'jpeg' | 'raw' | 'both';
export interface RawRun {
  output: string;
  captured: number;
  jpegs: number;
  raws: number;
  encoded: number;
  ns: StageFigures;
}
export interface RawOutputRow {
  output: Output;
  rounds: number;
  captured: number;
  jpegs: number;
  raws: number;
  encoded: number;
  perFrameMs: (StageFigures & { total: number }) | null;
  vsJpeg: number | null;
}
export interface RawResults {
  width: number;
  height: number;
  fps: number;
  workers: number;
  windowSeconds: number;
  rounds: number;
  runs?: RawRun[];
  outputs: RawOutputRow[];
  error?: string;
}
export const OUTPUTS: Output[];
export function summarise(runs: RawRun[]): RawOutputRow[];
export function benchRaw(options: {
  quick: boolean;
  log: (message: string) => void;
  width?: number;
  height?: number;
  fps?: number;
  workers?: number;
}): Promise<RawResults>;
export function rawSection(raw: RawResults | undefined, table: (rows: Array<Array<string | number>>, left?: number[]) => string): string[];
