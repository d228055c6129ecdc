// What every source of frames is to the rest of turbocam: the Camera (V4L2, test pattern, pipe)
// and the HTTP relay alike. The hub and the HTTP layer know sources only through this.
import type { EventEmitter } from 'node:events';
import type { Frame, PixelFormatName } from '../types.js';

export type SourceKind = 'v4l2' | 'testsrc' | 'pipe' | 'relay';

/** What the source negotiated: the driver's choice, not the request. */
export interface SourceInfo {
  kind: SourceKind;
  /** `/dev/video0`, `testsrc`, `stdin`, a FIFO path or an upstream URL. */
  name: string;
  width: number;
  height: number;
  /** The captured format; `mjpeg` means frames pass through without encoding. */
  format: PixelFormatName;
  /** Frames per second asked of the source (0 when it sets its own pace). */
  fps: number;
}

export interface SourceStats {
  captured: number;
  encoded: number;
  delivered: number;
  /** Every frame that did not reach JS, by reason (`paused`: captured while paused, not encoded). */
  dropped: { busy: number; late: number; corrupt: number; error: number; paused?: number };
  /** Delivered frames per second over the last second or so. */
  fps: number;
  /** Mean encode time per frame in milliseconds (0 for mjpeg pass-through). */
  encodeMs: number;
  /** The encoder's output buffers (sources that encode): bytes held, frames served as copies
   *  because every buffer was still held by JS, JPEGs that outgrew their predicted buffer, and
   *  the buffers out now (in flight or held by JS; 0 once idle and collected). */
  pool?: { bytes: number; copies: number; grown: number; leased?: number };
  /** Whether the source is paused (sources that can pause). */
  paused?: boolean;
}

/**
 * Events: `frame` (Frame), `error` (Error with a `code`; the source has stopped),
 * `disconnect` (Error; persistent sources then retry), `reconnect` (SourceInfo).
 */
export interface FrameSource extends EventEmitter, AsyncIterable<Frame> {
  readonly info: SourceInfo;
  /** False while a persistent source waits for its device (NO SIGNAL); absent means connected. */
  readonly connected?: boolean;
  stats(): SourceStats;
  /** Stops capture and releases the device; resolves once it can be opened again. */
  close(): Promise<void>;
}
