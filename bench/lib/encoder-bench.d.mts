export const SIZES: Array<[number, number]>;
export interface EncoderResults {
  quality: number;
  qscale: number | null;
  frameOrigin: string | null;
  trialSeconds: number;
  trials: number;
  rows: Array<{
    width: number;
    height: number;
    format: string;
    input: number;
    contestants: Record<string, { fps?: number; wallFps?: number; mpps?: number; bytes?: number; error?: string }>;
  }>;
}
export function benchEncoder(options: {
  buildDir: string;
  quick: boolean;
  log(message: string): void;
  sizes?: Array<[number, number]>;
  formats?: string[];
  trialSeconds?: number;
  trials?: number;
}): Promise<EncoderResults>;
