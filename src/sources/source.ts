// What every source of frames is to the rest of turbocam: the Camera (V4L2, test pattern, pipe)
// and the HTTP relay alike. The hub and the HTTP layer know sources only through this.
import type { EventEmitter } from 'node:events';
import type { Frame, PixelFormatName, Subsampling } from '../types.js';

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
  /** Rotation and flip applied to every frame (width and height above are after them): by the
   *  device's own controls or by turbocam, and how much turned camera MJPEG lost at its edges to
   *  the MCU grid. */
  orientation?: { rotate: number; flip: 'h' | 'v' | null; by: 'device' | 'turbocam'; trimmed: { width: number; height: number } };
  /** Chroma subsampling of the JPEGs a raw source encodes; null when frames pass through
   *  (camera MJPEG, a relay) or are not known yet. */
  subsampling?: Subsampling | null;
}

/** Why a frame did not reach JS: JS was busy, a newer frame overtook it, the mjpeg was corrupt,
 *  the driver flagged it or encoding failed, or it was captured while paused. The stats, /state
 *  and /metrics all loop over this list; the native pipeline reports the same names. */
export const DROP_REASONS = ['busy', 'late', 'corrupt', 'error', 'paused'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Every drop reason at 0. */
export function noDrops(): Record<DropReason, number> {
  return Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;
}

export interface SourceStats {
  captured: number;
  encoded: number;
  delivered: number;
  /** Every frame that did not reach JS, by reason; `paused` from sources that can pause. */
  dropped: Record<Exclude<DropReason, 'paused'>, number> & { paused?: number };
  /** Camera MJPEG frames served after a missing EOI was appended (sources that normalise MJPEG). */
  repaired?: number;
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
  /** Which encoder turns raw frames into JPEG (sources that encode). */
  encoder?: EncoderStats;
}

/** The encoder a camera chose at open, and what became of it. */
export interface EncoderStats {
  /** What encodes now: `cpu` after a hardware failure even when an M2M encoder was chosen. */
  kind: 'cpu' | 'm2m-image' | 'm2m-video';
  chosen: 'cpu' | 'm2m-image' | 'm2m-video';
  /** The M2M node, when one was chosen. */
  device: string | null;
  /** Why this encoder: the node's name, `asked for`, or what was missing. */
  reason: string;
  /** Why the hardware encoder was given up, once it was. */
  fallback: string | null;
  hardwareFrames: number;
  /** Raw frames the M2M encoder got copied into its own buffers, and those it read in place from
   *  the camera's buffer exported as a DMABUF (zero-copy; V4L2 cameras whose layout the encoder takes). */
  copies: number;
  zeroCopy: number;
  /** The M2M controls of the coded format's table (JPEG: jpeg-quality) that the first context
   *  set, and those its driver lacks (EINVAL: encoding goes on without them). */
  controls: { set: string[]; unsupported: string[] };
}

/** Stats of a source that has counted nothing yet. */
export function emptyStats(): SourceStats {
  return { captured: 0, encoded: 0, delivered: 0, dropped: noDrops(), repaired: 0, fps: 0, encodeMs: 0 };
}

/** `a`, the totals of captures that ended, with the live `b` added: counters summed, rates and
 *  the pool's size from `b`. */
export function addStats(a: SourceStats, b: SourceStats): SourceStats {
  const dropped = noDrops();
  for (const reason of DROP_REASONS) dropped[reason] = (a.dropped[reason] ?? 0) + (b.dropped[reason] ?? 0);
  return {
    captured: a.captured + b.captured,
    encoded: a.encoded + b.encoded,
    delivered: a.delivered + b.delivered,
    dropped,
    repaired: (a.repaired ?? 0) + (b.repaired ?? 0),
    fps: b.fps,
    encodeMs: b.encodeMs,
    pool: {
      bytes: b.pool?.bytes ?? 0,
      copies: (a.pool?.copies ?? 0) + (b.pool?.copies ?? 0),
      grown: (a.pool?.grown ?? 0) + (b.pool?.grown ?? 0),
      leased: b.pool?.leased ?? 0,
    },
  };
}

/**
 * Events: `frame` (Frame), `error` (Error with a `code`; the source has stopped),
 * `disconnect` (Error; persistent sources then retry), `reconnect` (SourceInfo), and from a
 * Camera `warning` (Error with a `code`; capture goes on).
 */
export interface FrameSource extends EventEmitter, AsyncIterable<Frame> {
  readonly info: SourceInfo;
  /** False while a persistent source waits for its device (NO SIGNAL); absent means connected. */
  readonly connected?: boolean;
  stats(): SourceStats;
  /** Stops capture and releases the device; resolves once it can be opened again. */
  close(): Promise<void>;
}

/** Sources that can stop encoding while nobody watches implement these. */
export interface PausableSource {
  pause(): void;
  resume(): void;
}

export function canPause(source: FrameSource): source is FrameSource & PausableSource {
  const candidate = source as Partial<PausableSource>;
  return typeof candidate.pause === 'function' && typeof candidate.resume === 'function';
}
