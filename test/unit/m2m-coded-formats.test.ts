// How the M2M video stream reads coded buffers (native/encoder/m2m/m2m_coded_formats.cc), against
// real H.264 from ffmpeg's libx264 (Constrained Baseline, an access unit delimiter before each
// unit, SPS and PPS repeated before each IDR), and the H.264 level its row asks the driver for.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { native } from '../../src/native.js';

const AUD = Buffer.from([0, 0, 0, 1, 9]);

/** Ten access units of x264 at a GOP of five, split at their delimiters. */
function x264Units(): Buffer[] {
  const stream = execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '10'],
      ...['-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', '5', '-keyint_min', '5', '-sc_threshold', '0'],
      ...['-x264-params', 'aud=1:repeat-headers=1', '-f', 'h264', '-'],
    ],
    { maxBuffer: 16 << 20 },
  );
  const starts: number[] = [];
  for (let at = stream.indexOf(AUD); at !== -1; at = stream.indexOf(AUD, at + 1)) starts.push(at);
  return starts.map((start, i) => stream.subarray(start, starts[i + 1]));
}

/** Where the unit's first NAL unit of this type starts (its start code). */
function nalAt(unit: Buffer, type: number): number {
  for (let i = 0; i + 3 < unit.length; i++)
    if (unit[i] === 0 && unit[i + 1] === 0 && unit[i + 2] === 1 && (unit[i + 3]! & 0x1f) === type) return i;
  return -1;
}

describe('M2M coded buffers', () => {
  it('H.264: IDRs are keyframes with their parameter sets, other slices are not; SPS and PPS alone are no picture', () => {
    const units = x264Units();
    expect(units).toHaveLength(10);
    const read = units.map((unit) => native.m2mInspectForTest('h264', unit));
    expect(read.map((r) => r.picture)).toEqual(units.map(() => true));
    expect(read.map((r) => r.keyframe)).toEqual(units.map((_, i) => i % 5 === 0));
    expect(read.map((r) => r.parameterSets)).toEqual(units.map((_, i) => i % 5 === 0));
    // The Pi hands its first SPS and PPS back in a buffer of their own: the stream holds them for the IDR.
    const headers = units[0]!.subarray(0, nalAt(units[0]!, 5));
    expect(native.m2mInspectForTest('h264', headers)).toEqual({ picture: false, keyframe: false, parameterSets: true });
    expect(native.m2mInspectForTest('h264', units[0]!.subarray(nalAt(units[0]!, 5)))).toEqual({
      picture: true,
      keyframe: true,
      parameterSets: false,
    });
    expect(native.m2mInspectForTest('h264', Buffer.alloc(0))).toEqual({ picture: false, keyframe: false, parameterSets: false });
  });

  it("FWHT: the header's I-frame flag (vicodec flags no keyframes on its buffers); JPEG frames each stand alone", () => {
    const header = Buffer.alloc(32);
    header.writeUInt32BE(0x4f4f4f4f, 0);
    header.writeUInt32BE(0x400, 20); // V4L2_FWHT_FL_I_FRAME
    expect(native.m2mInspectForTest('fwht', header)).toMatchObject({ picture: true, keyframe: true });
    header.writeUInt32BE(0, 20);
    expect(native.m2mInspectForTest('fwht', header)).toMatchObject({ picture: true, keyframe: false });
    expect(native.m2mInspectForTest('mjpeg', Buffer.from([0xff, 0xd8]))).toMatchObject({ picture: true, keyframe: true });
    expect(() => native.m2mInspectForTest('vp8', header)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });

  it('H.264 level: the lowest whose macroblock rate, frame size and bitrate fit', () => {
    // V4L2_MPEG_VIDEO_H264_LEVEL_*: 1.3 = 4, 3.0 = 8, 3.1 = 9, 4.0 = 11, 4.2 = 13.
    expect(native.h264LevelForTest(320, 240, 30, 500)).toBe(4);
    expect(native.h264LevelForTest(640, 480, 30, 2000)).toBe(8);
    expect(native.h264LevelForTest(1280, 720, 30, 2000)).toBe(9);
    expect(native.h264LevelForTest(1280, 720, 30, 16000)).toBe(10); // 3.2: 3.1's 14 Mbit/s exceeded
    expect(native.h264LevelForTest(1920, 1080, 30, 4000)).toBe(11);
    expect(native.h264LevelForTest(1920, 1080, 60, 8000)).toBe(13);
  });
});
