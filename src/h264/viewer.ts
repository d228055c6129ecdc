// What the H.264 hub (hub.ts) is to its viewers, a WebRTC peer (WHEP) or an MSE WebSocket: each
// is handed the units of one coded stream, starting at a keyframe, and skips ahead to the next
// keyframe when it falls behind.
import type { H264Unit } from '../sources/h264-source.js';

export type H264ViewerKind = 'webrtc' | 'mse';

export interface H264Viewer {
  readonly kind: H264ViewerKind;
  /** Delivers one unit. The hub calls it only from a keyframe on, in order. */
  send(unit: H264Unit): void;
  /** Bytes queued for this viewer and not yet sent; above the hub's limit it skips to the next keyframe. */
  readonly backlogBytes: number;
  /** The stream ended for this viewer (the producer failed: `error`; the hub closed: none); no
   *  unit follows. Optional: a viewer without it only stops receiving. */
  end?(error?: Error): void;
}

export interface H264Subscription {
  /** The viewer leaves; the stream stops when the last one has. Idempotent. */
  close(): void;
  /** The viewer lost a picture (a browser's PLI or FIR): the next unit coded is a keyframe. */
  requestKeyframe(): void;
}

export interface H264ViewerHub {
  /** Adds a viewer: starts the stream if it was idle and asks for a keyframe so the viewer need not
   *  wait a whole interval. Throws ERR_H264_UNAVAILABLE when the source cannot code H.264. */
  add(viewer: H264Viewer): H264Subscription;
}
