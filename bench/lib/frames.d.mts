export const FORMATS: string[];
export function frameSize(format: string, width: number, height: number): number;
export function benchFrame(format: string, width: number, height: number): Promise<{ data: Buffer; origin: string }>;
export function toRgb(frame: Uint8Array, format: string, width: number, height: number, channels?: 3 | 4): Buffer;
export function dumpFrame(buildDir: string, format: string, width: number, height: number, data: Uint8Array): string;
