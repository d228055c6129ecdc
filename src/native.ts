// Loads the addon and declares its surface. Every other module reaches native code through here.
import { fileURLToPath } from 'node:url';

import { loadAddon } from './addon-loader.js';
import { TurbocamError } from './errors.js';
import type { H264Capture } from './sources/h264-output.js';
import type { H264Availability, H264EncoderName } from './sources/h264-source.js';
import type { ControlInfo, DropReason, RawDropReason, SourceInfo, SourceStats } from './sources/source.js';
import type { Subsampling } from './types.js';

/** One entry of the native pixel-format table. */
export interface NativeFormat {
  name: string;
  fourcc: string;
}

/** What a capture negotiated (native/napi/camera_binding.cc): its SourceInfo before orientation. */
export interface NativeCaptureInfo extends Omit<SourceInfo, 'orientation'> {
  /** Bytes per line of the first plane (0 for mjpeg). */
  stride: number;
  /** Raw formats: what the JPEGs are encoded at; null for camera MJPEG, passed through. */
  subsampling: Subsampling | null;
  /** The device's own flip/rotate controls do the requested orientation (V4L2 only). */
  orientedByDevice?: boolean;
}

/** A capture's SourceStats, every field present, with the pool in full. */
export interface NativeCaptureStats extends Required<Omit<SourceStats, 'dropped' | 'pool' | 'raw'>> {
  dropped: Record<DropReason, number>;
  pool: NativePoolStats;
  /** Output 'raw' or 'both' only. */
  raw?: { delivered: number; dropped: Record<RawDropReason, number>; pool: NativePoolStats };
}

/** A bounded pool of output buffers that encoded Buffers borrow (native/napi/external_buffer.cc). */
export interface NativePoolStats {
  capacity: number;
  allocated: number;
  leased: number;
  idle: number;
  /** Pooled buffers ever lent (zero-copy frames). */
  leases: number;
  /** Frames served as a copy of exactly the JPEG's bytes because every pooled buffer was out. */
  copies: number;
  /** JPEGs that outgrew their predicted buffer (TurboJPEG grew it; the pool keeps the new size). */
  grown: number;
  bytes: number;
}

export interface NativeEncoderStats {
  /** The pool that encode() and encodeSync() Buffers borrow. */
  pool: NativePoolStats;
  /** mjpeg frames rejected as truncated or malformed. */
  corruptFrames: number;
}

/** The H.264 stream's methods (startH264, stopH264, requestKeyframe, h264Stats) are napi/h264_binding.cc's. */
export interface NativeCapture extends H264Capture {
  info(): NativeCaptureInfo;
  stats(): NativeCaptureStats;
  close(): Promise<void>;
  /** Paused, frames are still captured (and counted) but given straight back, never encoded. */
  setPaused(paused: boolean): void;
  listControls(): Promise<ControlInfo[]>;
  getControl(name: string): Promise<number>;
  setControl(name: string, value: number): Promise<void>;
}

export interface NativeDevice {
  path: string;
  name: string;
  driver: string;
  bus: string;
  formats: { format: string; fourcc: string; description: string; sizes: { width: number; height: number; fps: number[] }[] }[];
}

/** The addon's exports. Each binding file of native/napi adds its part here. */
/** encode, encodeSync and orientedPlanesForTest take the same arguments, checked by src/encode.ts. */
export type NativeEncodeArgs = [
  frame: Uint8Array,
  width: number,
  height: number,
  format: string,
  quality: number,
  subsampling: string | undefined,
  stride: number | undefined,
  rotate: number,
  flip: string | undefined,
];

/** m2mVideoStreamForTest's options; device empty or absent: the first node that codes the format. */
export interface NativeM2mStreamOptions {
  device?: string;
  coded: 'h264' | 'fwht' | 'yuyv';
  width: number;
  height: number;
  format: string;
  stride?: number;
  fps?: number;
  bitrateKbps?: number;
  keyframeInterval?: number;
  timeoutMs?: number;
  maxRebuilds?: number;
  /** Sleep between frames, so a test can act on the device mid-stream. */
  intervalMs?: number;
}

export interface NativeM2mStreamRun {
  name: string;
  units: { data: Buffer; keyframe: boolean; timestampUs: number }[];
  stats: {
    frames: number;
    units: number;
    keyframes: number;
    forcedKeyframes: number;
    keyframeRestarts: number;
    skipped: number;
    lost: number;
    rebuilds: number;
    staleOutputs: number;
    headerBuffers: number;
    maxHeld: number;
    controls: { set: string[]; unsupported: string[] };
  };
}

export interface NativeAddon {
  /** The class native errors are made of (native/napi/js_error.cc). */
  setErrorClass(errorClass: typeof TurbocamError): void;
  formats: NativeFormat[];
  subsamplings: string[];
  openCapture(
    options: Record<string, unknown>,
    onFrame: (data: Buffer, sequence: number, timestamp: number) => void,
    onFailure: (error: Error) => void,
    /** Required with options.output 'raw' or 'both': each raw frame, in a leased Buffer. */
    onRawFrame?: (data: Buffer, sequence: number, timestamp: number) => void,
  ): Promise<NativeCapture>;
  /** Detaches a leased Buffer's ArrayBuffer: its lease goes back to its pool without waiting for the GC. */
  releaseBuffer(buffer: ArrayBufferLike): void;
  listDevices(): Promise<NativeDevice[]>;
  /** Whether this encoder can code H.264 here, and if not the remedy (no camera needed). */
  h264Availability(encoder?: H264EncoderName): H264Availability;
  // Encoder (native/napi/encode_binding.cc); arguments are checked by src/encode.ts.
  encode(...args: NativeEncodeArgs): Promise<Buffer>;
  encodeSync(...args: NativeEncodeArgs): Buffer;
  /** The planes an oriented raw frame is compressed from, for tests (same arguments as encodeSync). */
  orientedPlanesForTest(...args: NativeEncodeArgs): {
    width: number;
    height: number;
    samp: number;
    planes: Array<{ width: number; height: number; data: Buffer }>;
  };
  testPattern(width: number, height: number, format: string, frame: number): Buffer;
  encoderStats(): NativeEncoderStats;
  /** For tests and the Pi smoke script (native/napi/m2m_stream_binding.cc): raw frames through one
   *  V4L2 M2M video stream encoder, frames in order, a keyframe forced at each index of forceAt. */
  m2mVideoStreamForTest(options: NativeM2mStreamOptions, frames: Uint8Array[], forceAt: number[]): Promise<NativeM2mStreamRun>;
  /** How the M2M stream reads one coded buffer of this format (SPS/PPS only, IDR, ...). */
  m2mInspectForTest(coded: string, data: Uint8Array): { picture: boolean; keyframe: boolean; parameterSets: boolean };
  /** The V4L2_MPEG_VIDEO_H264_LEVEL_* value the M2M H.264 row sets for this size, rate and bitrate. */
  h264LevelForTest(width: number, height: number, fps: number, bitrateKbps: number): number;
  // Sockets (native/napi/socket_binding.cc): caps SO_SNDBUF, returns what the kernel set.
  setSendBuffer(fd: number, bytes: number): number;
  // Limits (native/napi/limits_binding.cc): RLIMIT_NOFILE, the soft one raised to the hard one when asked.
  fileLimit(raise: boolean): { soft: number; hard: number; raiseError?: Error };
}

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const native = loadAddon(PACKAGE_ROOT) as NativeAddon;
native.setErrorClass(TurbocamError);

type FrameCallback = (data: Buffer, sequence: number, timestamp: number) => void;
type FailureCallback = (error: Error) => void;

/** An open capture, and where its frames go once its owner has taken it. */
export interface OpenedCapture {
  capture: NativeCapture;
  /** Hands over the frames and the failure reported before the open resolved, then routes the
   *  rest to these callbacks (raw frames to `onRawFrame`, with options.output 'raw' or 'both'). */
  attach(onFrame: FrameCallback, onFailure: FailureCallback, onRawFrame?: FrameCallback): void;
}

// Frames that arrive before openCapture's promise resolves, held for the owner (a raw frame and
// its JPEG count as two).
const EARLY_FRAMES_HELD = 4;

/** Opens the native capture. Capture starts inside the open, and the first frame's callback can
 *  run before the promise's: frames and a failure reported until `attach` are held for it. */
export async function openCapture(options: Record<string, unknown>): Promise<OpenedCapture> {
  let onFrame: FrameCallback | undefined;
  let onRawFrame: FrameCallback | undefined;
  let onFailure: FailureCallback | undefined;
  let early: Error | undefined;
  const earlyFrames: [raw: boolean, data: Buffer, sequence: number, timestamp: number][] = [];
  const hold = (raw: boolean, data: Buffer, sequence: number, timestamp: number): void => {
    // A few event-loop callbacks at most; bounded all the same. A raw frame let go gives its
    // buffer back to the raw pool at once.
    if (earlyFrames.push([raw, data, sequence, timestamp]) <= EARLY_FRAMES_HELD) return;
    const [dropped] = earlyFrames.splice(0, 1);
    if (dropped?.[0] === true) native.releaseBuffer(dropped[1].buffer);
  };
  const capture = await native.openCapture(
    options,
    (data, sequence, timestamp) => {
      if (onFrame !== undefined) onFrame(data, sequence, timestamp);
      else hold(false, data, sequence, timestamp);
    },
    (error) => {
      if (onFailure !== undefined) onFailure(error);
      else early = error;
    },
    (data, sequence, timestamp) => {
      if (onRawFrame !== undefined) onRawFrame(data, sequence, timestamp);
      else if (onFrame !== undefined) native.releaseBuffer(data.buffer);
      else hold(true, data, sequence, timestamp);
    },
  );
  return {
    capture,
    attach(frame, failure, rawFrame) {
      onFrame = frame;
      onFailure = failure;
      onRawFrame = rawFrame;
      for (const [raw, data, sequence, timestamp] of earlyFrames) {
        if (!raw) frame(data, sequence, timestamp);
        else if (rawFrame) rawFrame(data, sequence, timestamp);
        else native.releaseBuffer(data.buffer);
      }
      earlyFrames.length = 0;
      if (early !== undefined) failure(early);
    },
  };
}
