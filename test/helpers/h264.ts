// H.264 in tests: NAL unit types of an Annex B unit, a Camera's units collected, and ffmpeg's
// decode of them back to I420 frames.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { H264Producer, H264Unit } from '../../src/sources/h264-source.js';

/** The NAL unit types in an Annex B unit, in order (7 SPS, 8 PPS, 5 IDR slice, 1 other slice). */
export function nalTypes(unit: Uint8Array): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < unit.length; i++) {
    if (unit[i] === 0 && unit[i + 1] === 0 && unit[i + 2] === 1) {
      types.push(unit[i + 3]! & 0x1f);
      i += 3;
    }
  }
  return types;
}

/** Starts the producer and collects its units until stopped. */
export function collectUnits(producer: H264Producer): { units: H264Unit[]; errors: Error[] } {
  const out = { units: [] as H264Unit[], errors: [] as Error[] };
  producer.startH264(
    (unit) => out.units.push(unit),
    (error) => out.errors.push(error),
  );
  return out;
}

/** ffmpeg's decode of the units (one Annex B file) as I420 frames of width x height. */
export function decodeUnits(units: H264Unit[], width: number, height: number, file: string): Buffer[] {
  writeFileSync(file, Buffer.concat(units.map((unit) => unit.data)));
  const yuv = execFileSync('ffmpeg', ['-v', 'error', '-f', 'h264', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], {
    maxBuffer: 1 << 30,
  });
  const size = (width * height * 3) / 2;
  const frames: Buffer[] = [];
  for (let at = 0; at + size <= yuv.length; at += size) frames.push(yuv.subarray(at, at + size));
  return frames;
}

/** What ffprobe says of the stream's profile ("Constrained Baseline"), size and level. */
export function probe(file: string): { profile: string; width: number; height: number } {
  const json = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]).toString();
  const stream = (JSON.parse(json) as { streams: Array<{ profile: string; width: number; height: number }> }).streams[0]!;
  return { profile: stream.profile, width: stream.width, height: stream.height };
}
