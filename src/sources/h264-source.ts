// What a source that codes H.264 is to the H.264 hub and the HTTP layer (WHEP, MSE): the Camera
// (OpenH264 or an M2M node on its own thread) and the tests' ffmpeg-fed producer alike.

/** One access unit, as the encoder made it. */
export interface H264Unit {
  /** Annex B (start codes). A keyframe is an IDR preceded by its SPS and PPS. */
  readonly data: Buffer;
  readonly keyframe: boolean;
  /** Capture time, ms on the monotonic clock (as a Frame's). */
  readonly timestamp: number;
  /** Counts the units of one start; a gap means units were dropped before JS got them. */
  readonly sequence: number;
}

export type H264EncoderName = 'auto' | 'openh264' | 'm2m';

/** How the stream is coded: Constrained Baseline at this bitrate, an IDR every `keyframeInterval` frames. */
export interface H264Settings {
  encoder: H264EncoderName;
  /** An M2M node (`/dev/video11`); empty: the first that codes H.264 from the source's format. */
  device?: string;
  bitrateKbps: number;
  keyframeInterval: number;
}

/** Whether H.264 can be had from this source, and if not what to do about it (for /state and the page). */
export interface H264Availability {
  available: boolean;
  /** What codes it: `openh264 2.3.1`, `m2m /dev/video11`; null when unavailable. */
  encoder: string | null;
  /** Why not, with the remedy: `libopenh264.so.7 not found: apt-get install libopenh264-7`. */
  reason?: string;
}

export interface H264Stats {
  running: boolean;
  units: number;
  keyframes: number;
  /** Of those, forced by a request (a viewer joining, a browser's PLI/FIR). */
  forcedKeyframes: number;
  bytes: number;
  /** Over the last second or so. */
  bitrateKbps: number;
  /** Raw frames the encoder thread never coded (a newer one replaced it) and units JS never took. */
  dropped: { frames: number; units: number };
  encodeMs: number;
}

export interface H264Producer {
  readonly h264Availability: H264Availability;
  /** Starts coding; units reach `onUnit` in order on the JS thread, the first one a keyframe.
   *  `onError` hears a failure that stopped the stream. Throws when unavailable
   *  (`ERR_H264_UNAVAILABLE`) or already started. */
  startH264(onUnit: (unit: H264Unit) => void, onError: (error: Error) => void): void;
  /** Stops coding (idempotent); no unit arrives after it returns. */
  stopH264(): void;
  /** The next unit coded will be a keyframe (coalesced: many requests, one IDR). */
  requestKeyframe(): void;
  h264Stats(): H264Stats;
}

/** A stream that has coded nothing yet. */
export function noH264Stats(): H264Stats {
  return {
    running: false,
    units: 0,
    keyframes: 0,
    forcedKeyframes: 0,
    bytes: 0,
    bitrateKbps: 0,
    dropped: { frames: 0, units: 0 },
    encodeMs: 0,
  };
}
