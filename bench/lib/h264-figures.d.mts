export interface ThreadSample {
  tid: number;
  comm: string;
  ns: number;
}
export interface Psnr {
  y: number | null;
  u: number | null;
  v: number | null;
  average: number | null;
  min: number | null;
  max: number | null;
}
export interface QualitySample {
  quality: number;
  psnr: number;
  bytesPerFrame: number;
  [key: string]: unknown;
}
export interface EqualPsnr {
  quality: number | null;
  psnr: number | null;
  bytesPerFrame: number | null;
  how: string;
}
export interface Aligned {
  captureMs: Array<number | null>;
  matched: number;
  runnerUp: number;
  ok: boolean;
}
export interface LatencyRow {
  path: string;
  available: boolean;
  reason?: string;
  fps?: number;
  decodedFps?: number;
  mapped?: number;
  hubSkips?: number;
  hubSkippedUnits?: number;
  frames?: number;
  median?: number | null;
  p95?: number | null;
}
export interface H264Scene {
  scene: string;
  frames: number;
  h264: { bitrateKbps: number; units: number; keyframes: number; skipped: number; bytesPerFrame: number; psnr: number; psnrY: number };
  mjpeg: EqualPsnr & { samples: QualitySample[]; encodeSyncCpuMsPerFrame?: number };
  ratio: number | null;
  cpu: {
    h264MsPerUnit: number | null;
    jpegQuality: number;
    jpegMsPerFrame: number | null;
    processMsPerFrame: number | null;
    jpegFrames: number;
    jpegBytesPerFrame: number;
  };
}
export interface H264Results {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  frames: number;
  openh264: string;
  scenes: H264Scene[];
  m2m: { encoder: string; available: boolean; reason?: string; msPerUnit?: number; psnr?: number; bytesPerFrame?: number };
  latency: { seconds: number; clocks: Record<string, number | null>; rows: LatencyRow[] };
  error?: string;
}
export function threadGroupNs(before: ThreadSample[], after: ThreadSample[]): { h264: number; jpeg: number; process: number };
export function parsePsnr(text: string): Psnr | null;
export function searchQuality(
  measure: (quality: number) => Promise<QualitySample>,
  target: number,
  lo?: number,
  hi?: number,
): Promise<QualitySample[]>;
export function atEqualPsnr(samples: QualitySample[], target: number, tolerance?: number): EqualPsnr;
export function alignRtp(rtpTimestamps: number[], captureMs: number[], toleranceTicks?: number): Aligned;
export function latencySummary(values: Array<number | null>): { frames: number; median: number | null; p95: number | null };
export function unevenIntervalMs(i: number, fps: number): number;
export function h264Section(
  result: H264Results | undefined,
  table: (rows: Array<Array<string | number>>, left?: number[]) => string,
): string[];
