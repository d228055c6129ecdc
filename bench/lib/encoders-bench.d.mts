export interface EncoderRun {
  encoder: string;
  available: boolean;
  reason?: string;
  error?: string;
  code?: string | null;
  fps?: number;
  frames?: number;
  encoderCpuMsPerFrame?: number | null;
  processCpuMsPerFrame?: number | null;
  latencyMs?: { median: number | null; p95: number | null };
  bytesPerFrame?: number | null;
  jpeg?: { width: number; height: number; sizeMatches: boolean } | null;
}
export interface EncodersResults {
  width: number;
  height: number;
  format: string;
  fps: number;
  rows: EncoderRun[];
  error?: string;
}
export const ENCODER_KINDS: string[];
export function runEncoder(options: Record<string, unknown>, timeoutMs?: number): Promise<EncoderRun>;
export function benchEncoders(options: { quick: boolean; log: (message: string) => void }): Promise<EncodersResults>;
export function encodersSection(
  result: EncodersResults | undefined,
  table: (rows: Array<Array<string | number>>, left?: number[]) => string,
): string[];
