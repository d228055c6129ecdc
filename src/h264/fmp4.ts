// Fragmented MP4 (ISO/IEC 14496-12) for Media Source Extensions: an init segment (ftyp + moov,
// with the stream's avcC) and then one moof + mdat fragment per access unit, so a browser can
// show each frame the moment it arrives. One muxer per viewer: its decode times start at 0 with
// the first unit it is given.
import { TurbocamError } from '../errors.js';
import { lengthPrefixed, readAccessUnit } from './annexb.js';
import { avcDecoderConfiguration, codecString, parseSps } from './sps.js';

/** 90 kHz, the usual video clock: a frame's time in whole ticks at any common rate. */
export const TIMESCALE = 90_000;
/** The frame interval assumed before a second unit tells the real one (30 fps). */
const FIRST_INTERVAL = 3000;
/** The usual frame interval is the median of this many recent ones: a late or bunched frame moves it not. */
const INTERVALS = 9;

/** Sample flags (14496-12 8.8.3.1): a sync sample depends on nothing; others on earlier ones. */
const SYNC = 0x02000000;
const NON_SYNC = 0x01010000;

function box(type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((sum, part) => sum + part.length, 0);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, ...parts], size);
}

/** A full box: version and 24-bit flags before the payload. */
function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, head, ...parts);
}

function u32(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => out.writeUInt32BE(value >>> 0, i * 4));
  return out;
}

function u16(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 2);
  values.forEach((value, i) => out.writeUInt16BE(value & 0xffff, i * 2));
  return out;
}

const MATRIX = u32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);

export interface InitSegment {
  data: Buffer;
  /** For MediaSource.isTypeSupported / addSourceBuffer: `video/mp4; codecs="${codec}"`. */
  codec: string;
  width: number;
  height: number;
}

/** ftyp + moov for one H.264 track (track 1, 90 kHz) described by its SPS and PPS. */
export function initSegment(sps: Buffer, pps: Buffer): InitSegment {
  const info = parseSps(sps);
  const { width, height } = info;
  const ftyp = box('ftyp', Buffer.from('iso5', 'latin1'), u32(0x200), Buffer.from('iso5iso6avc1mp41', 'latin1'));
  const mvhd = fullBox('mvhd', 0, 0, u32(0, 0, 1000, 0, 0x00010000), u16(0x0100, 0), u32(0, 0), MATRIX, u32(0, 0, 0, 0, 0, 0), u32(2));
  const tkhd = fullBox('tkhd', 0, 3, u32(0, 0, 1, 0, 0, 0, 0), u16(0, 0, 0, 0), MATRIX, u32(width << 16, height << 16));
  // Language `und`, packed as three 5-bit letters.
  const mdhd = fullBox('mdhd', 0, 0, u32(0, 0, TIMESCALE, 0), u16(0x55c4, 0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide', 'latin1'), u32(0, 0, 0), Buffer.from('turbocam\0', 'latin1'));
  const avc1 = box(
    'avc1',
    Buffer.alloc(6),
    u16(1, 0, 0),
    u32(0, 0, 0),
    u16(width, height),
    u32(0x00480000, 0x00480000, 0),
    u16(1),
    Buffer.alloc(32),
    u16(0x0018, 0xffff),
    box('avcC', avcDecoderConfiguration(sps, pps, info)),
  );
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), avc1),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0, 0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const minf = box('minf', fullBox('vmhd', 0, 1, u16(0, 0, 0, 0)), dinf, stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const mvex = box('mvex', fullBox('trex', 0, 0, u32(1, 1, 0, 0, 0)));
  return { data: Buffer.concat([ftyp, box('moov', mvhd, trak, mvex)]), codec: codecString(info), width, height };
}

/** moof + mdat holding one sample: `sample` (AVCC), decoded at `decodeTime` (90 kHz ticks). */
export function fragment(sequence: number, decodeTime: number, duration: number, sample: Buffer, sync: boolean): Buffer {
  const tfdt = fullBox('tfdt', 1, 0, u32(Math.floor(decodeTime / 2 ** 32), decodeTime % 2 ** 32));
  // default-base-is-moof: data_offset counts from the moof's first byte.
  const tfhd = fullBox('tfhd', 0, 0x020000, u32(1));
  const trunSize = 12 + 4 + 4 + 12;
  const moofSize = 8 + 16 + 8 + tfhd.length + tfdt.length + trunSize;
  // data-offset, sample-duration, sample-size and sample-flags present.
  const trun = fullBox('trun', 0, 0x000701, u32(1, moofSize + 8, duration, sample.length, sync ? SYNC : NON_SYNC));
  const moof = box('moof', fullBox('mfhd', 0, 0, u32(sequence)), box('traf', tfhd, tfdt, trun));
  return Buffer.concat([moof, box('mdat', sample)]);
}

export interface MuxedUnit {
  /** A new init segment, before the fragment: at the first unit and whenever the parameter sets change. */
  init: InitSegment | undefined;
  fragment: Buffer;
}

/** Turns one viewer's access units (Annex B, from a keyframe on) into fMP4. */
export class Fmp4Muxer {
  private sps: Buffer | undefined;
  private pps: Buffer | undefined;
  private sequence = 0;
  private firstTimestamp = 0;
  private lastTime = -1;
  private lastDecodeTime = -1;
  private duration = FIRST_INTERVAL;
  private readonly intervals: number[] = [];
  /** Ticks taken out of gaps before non-keyframes since the last keyframe (see push). */
  private shift = 0;

  /** The first unit must carry SPS and PPS (a keyframe does); ERR_H264_STREAM otherwise. */
  push(data: Buffer, keyframe: boolean, timestampMs: number): MuxedUnit {
    const unit = readAccessUnit(data);
    let init: InitSegment | undefined;
    const sps = unit.sps ?? this.sps;
    const pps = unit.pps ?? this.pps;
    if (sps === undefined || pps === undefined) {
      throw new TurbocamError('ERR_H264_STREAM', 'H.264: the first unit has no SPS and PPS (a keyframe must carry them)');
    }
    if (this.sps === undefined || !sps.equals(this.sps) || !pps.equals(this.pps!)) {
      init = initSegment(sps, pps);
      this.sps = Buffer.from(sps);
      this.pps = Buffer.from(pps);
    }
    if (this.lastDecodeTime < 0) this.firstTimestamp = timestampMs;
    const time = Math.max(0, Math.round((timestampMs - this.firstTimestamp) * (TIMESCALE / 1000)));
    const sync = keyframe || unit.idr;
    // Capture times jitter and the encoder drops frames under load, and MSE's coded frame
    // processing (step 6) takes a decode time two durations or more past the last one as a
    // discontinuity, after which the browser drops every frame up to the next keyframe: a gap
    // before a keyframe costs nothing (sequence mode closes it), one before any other frame is
    // closed here, the frame one usual interval after the last; the next keyframe is on time again.
    if (sync) this.shift = 0;
    let decodeTime = time - this.shift;
    if (!sync && this.lastDecodeTime >= 0 && decodeTime - this.lastDecodeTime >= 2 * this.duration) {
      this.shift += decodeTime - (this.lastDecodeTime + this.duration);
      decodeTime = this.lastDecodeTime + this.duration;
    }
    // Decode times must rise; a clock that stalls (two units one timestamp) still moves on a tick.
    if (decodeTime <= this.lastDecodeTime) decodeTime = this.lastDecodeTime + 1;
    // A sample's duration is not known until the next unit: the usual interval stands in for it.
    if (this.lastTime >= 0) {
      this.intervals.push(Math.max(1, time - this.lastTime));
      if (this.intervals.length > INTERVALS) this.intervals.shift();
      this.duration = [...this.intervals].sort((a, b) => a - b)[this.intervals.length >> 1]!;
    }
    this.lastTime = time;
    this.lastDecodeTime = decodeTime;
    this.sequence += 1;
    return { init, fragment: fragment(this.sequence, decodeTime, this.duration, lengthPrefixed(unit.sampleNals), sync) };
  }
}
