/** A bench run as bench/run.mjs writes it to bench/results/; parts absent when not run. */
export interface BenchResults {
  schema?: number;
  startedAt?: string;
  quick?: boolean;
  machine?: Record<string, unknown>;
  encoder?: unknown;
  pipeline?: unknown;
  fanout?: unknown;
  startup?: unknown;
  [key: string]: unknown;
}
export interface Target {
  id: string;
  label: string;
  target: string;
  value: number | null;
  unit: string;
  ratio: number | null;
  status: 'PASS' | 'MISS' | 'N/A';
  detail: string;
}
export function table(rows: Array<Array<string | number>>, left?: number[]): string;
export function encodeRatio(row: { contestants: Record<string, { fps?: number }> }, contestant: string): number | null;
export function evaluateTargets(results: BenchResults): Target[];
export function metrics(results: BenchResults): Array<{ key: string; value: number; higherIsBetter: boolean }>;
export function renderReport(results: BenchResults): string;
export function renderComparison(current: BenchResults, saved: BenchResults): string;
