export interface CeilingRun {
  frames: number;
  wallSeconds: number;
  cpuSeconds: number;
  fps: number;
  cpuFps: number;
  bytes: number;
}
export function buildCeiling(buildDir: string): string;
export function runCeiling(
  binary: string,
  options: { format: string; width: number; height: number; quality: number; input: string; seconds: number; output?: string },
): CeilingRun;
