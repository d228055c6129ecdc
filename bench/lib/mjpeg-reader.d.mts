export interface MjpegPart {
  bytes: number;
  timestamp: number | null;
  sequence: number | null;
  /** The body starts with 0xFF (a JPEG's SOI). */
  jpeg: boolean;
  receivedMs: number;
}
export class MjpegReader {
  constructor(handlers: { onPart(part: MjpegPart): void; onBodyStart?(receivedMs: number): void; onError?(error: Error): void });
  push(chunk: Buffer): void;
  readonly failed: boolean;
}
export function timestampMs(value: number, nowMs: number): number;
