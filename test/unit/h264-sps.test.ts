// Annex B splitting and the SPS reader against streams libx264 made, with ffprobe as the truth for
// size, profile and level, and ffmpeg's own MP4 muxer as the truth for the avcC record.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lengthPrefixed, NAL, nalType, readAccessUnit, splitNalUnits } from '../../src/h264/annexb.js';
import { avcDecoderConfiguration, codecString, parseSps, unescapeRbsp } from '../../src/h264/sps.js';
import { ffmpegMp4, findBox } from '../helpers/mp4-boxes.js';

interface Made {
  stream: Buffer;
  probe: { width: number; height: number; profile: string; level: number; pix_fmt: string; field_order: string };
}

function make(size: string, codecArgs: string[], frames = 3): Made {
  const stream = execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-frames:v', String(frames)],
      ...['-c:v', 'libx264', ...codecArgs, '-f', 'h264', 'pipe:1'],
    ],
    { maxBuffer: 64 << 20 },
  );
  const probe = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=width,height,profile,level,pix_fmt,field_order', '-of', 'json', '-i', 'pipe:0'],
      {
        input: stream,
      },
    ).toString(),
  ) as { streams: Made['probe'][] };
  return { stream, probe: probe.streams[0]! };
}

const PROFILE_IDC: Record<string, number> = {
  'Constrained Baseline': 66,
  Main: 77,
  High: 100,
  'High 10': 110,
  'High 4:2:2': 122,
  'High 4:4:4 Predictive': 244,
};

const CASES: Array<[name: string, size: string, args: string[]]> = [
  ['Constrained Baseline, as the fixture codes it', '640x360', ['-profile:v', 'baseline', '-pix_fmt', 'yuv420p']],
  ['Main at 720p', '1280x720', ['-profile:v', 'main', '-pix_fmt', 'yuv420p']],
  ['High, cropped on both axes', '642x362', ['-profile:v', 'high', '-pix_fmt', 'yuv420p']],
  ['High with scaling matrices', '320x240', ['-profile:v', 'high', '-pix_fmt', 'yuv420p', '-x264-params', 'cqm=jvt']],
  ['High, interlaced (field pairs: map units of two macroblock rows)', '320x240', ['-flags', '+ildct+ilme', '-pix_fmt', 'yuv420p']],
  ['High 10', '322x242', ['-profile:v', 'high10', '-pix_fmt', 'yuv420p10le']],
  ['High 4:2:2, cropped (one chroma row per luma row)', '322x242', ['-profile:v', 'high422', '-pix_fmt', 'yuv422p']],
  ['High 4:4:4, cropped (one chroma sample per luma sample)', '322x242', ['-profile:v', 'high444', '-pix_fmt', 'yuv444p']],
];

describe('splitNalUnits', () => {
  it('finds 3- and 4-byte start codes, skips leading bytes, drops trailing zeros', () => {
    const data = Buffer.from([0xff, 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 1, 0x65, 0, 0, 3, 1, 0, 0]);
    expect(splitNalUnits(data).map((nal) => [...nal])).toEqual([
      [0x67, 1, 2],
      [0x68, 3],
      [0x65, 0, 0, 3, 1],
    ]);
    expect(splitNalUnits(Buffer.alloc(0))).toEqual([]);
    expect(splitNalUnits(Buffer.from([1, 2, 3, 4]))).toEqual([]);
    expect(splitNalUnits(Buffer.from([0, 0, 1]))).toEqual([]);
  });

  it('splits a libx264 stream into units that ffmpeg decodes again, frame for frame', () => {
    const { stream } = make('320x240', ['-profile:v', 'baseline', '-x264-params', 'aud=1'], 10);
    const nals = splitNalUnits(stream);
    const types = nals.map(nalType);
    expect(types.slice(0, 4)).toEqual([NAL.AUD, NAL.SPS, NAL.PPS, NAL.SEI]);
    expect(types.filter((t) => t === NAL.IDR || t === NAL.SLICE)).toHaveLength(10);
    const rejoined = Buffer.concat(nals.flatMap((nal) => [Buffer.from([0, 0, 0, 1]), nal]));
    const frames = execFileSync(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-fps_mode', 'passthrough', '-f', 'framemd5', 'pipe:1'],
      {
        input: rejoined,
      },
    );
    const original = execFileSync(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-fps_mode', 'passthrough', '-f', 'framemd5', 'pipe:1'],
      {
        input: stream,
      },
    );
    const hashes = (text: Buffer): string[] =>
      text
        .toString()
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.split(',').at(-1)!.trim());
    expect(hashes(frames)).toHaveLength(10);
    expect(hashes(frames)).toEqual(hashes(original));
  });

  it('readAccessUnit keeps the parameter sets apart from the sample, and lengthPrefixed frames each unit', () => {
    const { stream } = make('320x240', ['-profile:v', 'baseline', '-x264-params', 'aud=1'], 1);
    const unit = readAccessUnit(stream);
    expect(unit.idr).toBe(true);
    expect(nalType(unit.sps!)).toBe(NAL.SPS);
    expect(nalType(unit.pps!)).toBe(NAL.PPS);
    expect(unit.sampleNals.map(nalType)).toEqual([NAL.SEI, NAL.IDR]);
    const sample = lengthPrefixed(unit.sampleNals);
    expect(sample.readUInt32BE(0)).toBe(unit.sampleNals[0]!.length);
    expect(sample.length).toBe(unit.sampleNals.reduce((sum, nal) => sum + 4 + nal.length, 0));
  });
});

describe('parseSps', () => {
  for (const [name, size, args] of CASES) {
    it(`${name}: size, profile and level as ffprobe reads them; avcC as ffmpeg's muxer writes it`, () => {
      const { stream, probe } = make(size, args);
      const { sps, pps } = readAccessUnit(stream);
      const info = parseSps(sps!);
      expect({ width: info.width, height: info.height, level: info.levelIdc, profile: info.profileIdc }).toEqual({
        width: probe.width,
        height: probe.height,
        level: probe.level,
        profile: PROFILE_IDC[probe.profile],
      });
      expect(info.frameMbsOnly).toBe(probe.field_order === 'progressive');
      expect(info.bitDepthLuma).toBe(probe.pix_fmt.includes('10') ? 10 : 8);
      expect(info.chromaFormatIdc).toBe(probe.pix_fmt.startsWith('yuv444') ? 3 : probe.pix_fmt.startsWith('yuv422') ? 2 : 1);
      const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
      expect(codecString(info)).toBe(`avc1.${hex(info.profileIdc)}${hex(info.constraints)}${hex(info.levelIdc)}`);
      if (probe.profile === 'Constrained Baseline') expect(codecString(info)).toMatch(/^avc1\.42[C-F]/);
      const reference = findBox(ffmpegMp4(stream), 'moov/trak/mdia/minf/stbl/stsd/avc1/avcC');
      expect(reference).toBeDefined();
      expect(avcDecoderConfiguration(sps!, pps!).toString('hex')).toBe(reference!.body.toString('hex'));
    });
  }

  it('removes emulation prevention bytes', () => {
    expect([...unescapeRbsp(Buffer.from([0x67, 0, 0, 3, 1, 0, 0, 3, 0, 3]))]).toEqual([0, 0, 1, 0, 0, 0, 3]);
  });

  it('refuses what is not a whole SPS with ERR_H264_STREAM', () => {
    const { stream } = make('320x240', ['-profile:v', 'baseline']);
    const { sps, pps } = readAccessUnit(stream);
    expect(() => parseSps(pps!)).toThrow(expect.objectContaining({ code: 'ERR_H264_STREAM' }));
    expect(() => parseSps(sps!.subarray(0, 6))).toThrow(
      expect.objectContaining({ code: 'ERR_H264_STREAM', message: expect.stringMatching(/truncated/) }),
    );
    expect(() => parseSps(Buffer.from([0x67, 66, 0xc0, 30, 0, 0, 0, 0, 0]))).toThrow(expect.objectContaining({ code: 'ERR_H264_STREAM' }));
  });
});
