export interface JpegRung {
  quality: number;
  psnr: number;
  bytesPerFrame: number;
}
export interface H264Results {
  encoder: string;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  keyframeInterval: number;
  seconds: number;
  coded: number;
  h264CpuMsPerFrame: number | null;
  h264BytesPerFrame: number | null;
  jpegCpuMsPerFrame: number | null;
  jpegQ80BytesPerFrame: number | null;
  compared: number;
  h264Psnr: number;
  ladder: JpegRung[];
  jpegAtEqualPsnr: JpegRung | null;
  bytesRatio: number | null;
  cpuRatio: number | null;
  error?: string;
}
export const QUALITIES: number[];
export function parsePsnr(text: string): number;
export function equalPsnrRung(ladder: JpegRung[], psnr: number): JpegRung | null;
export function benchH264(options: {
  quick: boolean;
  log: (message: string) => void;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
}): Promise<H264Results>;
export function h264Section(
  h264: H264Results | undefined,
  table: (rows: Array<Array<string | number>>, left?: number[]) => string,
): string[];
