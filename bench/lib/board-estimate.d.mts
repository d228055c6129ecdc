import type { BenchResults } from './report.mjs';

export interface BoardRow {
  frame: string;
  ceilingFps: number;
  turbocamFps: number;
  low: number;
  high: number;
  wholeFps: number | null;
}
export interface BoardEstimate {
  board: string;
  core: string;
  rows: BoardRow[];
}
export const BOARDS: Array<{ board: string; core: string; ceilingFps: number }>;
export const ESTIMATE_FACTOR: number;
export function boardEstimates(
  results: BenchResults,
  posted?: BenchResults | null,
): { basis: string; factor: number; boards: BoardEstimate[] } | { error: string };
export function renderBoardEstimates(
  estimate: ReturnType<typeof boardEstimates>,
  table: (rows: Array<Array<string | number>>) => string,
): string[];
