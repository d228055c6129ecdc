export type Stage = 'capture' | 'encode' | 'main' | 'other';
export interface ThreadSample {
  tid: number;
  comm: string;
  ns: number;
}
export type StageFigures = Record<Stage, number>;
export interface CostRow {
  source: string;
  width: number;
  height: number;
  clients: number;
  /** Interleaved rounds summed into this row. */
  rounds?: number;
  fps?: number;
  perFrameMs: (StageFigures & { total: number }) | null;
}
export interface CostResults {
  fps?: number;
  quality?: number;
  subsampling: string;
  workers?: number;
  windowSeconds?: number;
  rounds?: number;
  error?: string;
  rows: CostRow[];
  encodeSync: Array<{ width: number; height: number; msPerFrame: number; pacedMsPerFrame?: number }>;
  floor: Array<{ width: number; height: number; clients: number; msPerFrame: number }>;
}
export const STAGES: Stage[];
export const WHOLE_LIMITS: Record<string, number>;
export const ENCODE_LIMIT: number;
export const MAIN_LIMIT: number;
export const PER_CLIENT_LIMIT: number;
export function stageOf(pid: number, tid: number, comm: string): Stage;
export function stageNs(pid: number, before: ThreadSample[], after: ThreadSample[]): StageFigures;
export function perFrameMs(ns: StageFigures, frames: number): (StageFigures & { total: number }) | null;
/** One window of a server: its thread CPU by stage and the frames it delivered. */
export interface CostSample {
  source: string;
  width: number;
  height: number;
  clients: number;
  frames: number;
  seconds: number;
  ns: StageFigures;
  clientFpsMin: number | null;
}
export function combineRounds(samples: CostSample[]): CostRow & { frames: number; seconds: number; clientFpsMin: number | null };
export function perClientIncrement(oneMs: number | null, nMs: number | null, n: number): number | null;
export interface WholeReach {
  least: number;
  leastXPaced: number;
  leastXHot: number | null;
  allowed: number;
  captureBudget: number;
  reachable: boolean;
}
export function wholeReach(limit: number, pacedMs: number | null, hotMs: number | null, floorMs: number | null): WholeReach | null;
export function costTargets(cost: CostResults | undefined): import('./report.mjs').Target[];
export function renderCost(
  cost: CostResults | undefined,
  table: (rows: Array<Array<string | number>>, left?: number[]) => string,
): string[];
