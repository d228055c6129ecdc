// The fragmented-MP4 muxer checked by real tools: ffprobe reads the concatenated segments as one
// H.264 track of the right size, with a keyframe flag on each IDR and each unit's time; ffmpeg
// decodes every frame to the same pictures as the raw Annex B stream.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NAL, nalType, splitNalUnits } from '../../src/h264/annexb.js';
import { fragment, Fmp4Muxer, initSegment, TIMESCALE } from '../../src/h264/fmp4.js';
import { boxes, findBox } from '../helpers/mp4-boxes.js';

function x264(size: string, frames: number, args: string[] = []): Buffer {
  return execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-frames:v', String(frames)],
      ...['-c:v', 'libx264', '-profile:v', 'baseline', '-bf', '0', '-g', '10', '-x264-params', 'aud=1:repeat-headers=1', ...args],
      ...['-f', 'h264', 'pipe:1'],
    ],
    { maxBuffer: 64 << 20 },
  );
}

/** The access units of an Annex B stream with a delimiter before each (as the fixture splits them). */
function accessUnits(stream: Buffer): Array<{ data: Buffer; keyframe: boolean }> {
  const units: Buffer[][] = [];
  for (const nal of splitNalUnits(stream)) {
    if (nalType(nal) === NAL.AUD) units.push([]);
    units.at(-1)?.push(nal);
  }
  return units.map((nals) => ({
    data: Buffer.concat(nals.flatMap((nal) => [Buffer.from([0, 0, 0, 1]), nal])),
    keyframe: nals.some((nal) => nalType(nal) === NAL.IDR),
  }));
}

function framemd5(input: Buffer, format: string): string[] {
  return execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', format, '-i', 'pipe:0', '-fps_mode', 'passthrough', '-f', 'framemd5', 'pipe:1'],
    {
      input,
      maxBuffer: 64 << 20,
    },
  )
    .toString()
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());
}

function probe(input: Buffer, entries: string): Record<string, unknown>[] {
  const json = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-f', 'mp4', '-show_entries', entries, '-of', 'json', '-i', 'pipe:0'], { input }).toString(),
  ) as { streams?: Record<string, unknown>[]; packets?: Record<string, unknown>[] };
  return json.streams ?? json.packets ?? [];
}

/** Units muxed at 30 fps with some jitter, as a capture clock stamps them. */
function mux(units: Array<{ data: Buffer; keyframe: boolean }>, startMs = 5000): { file: Buffer; times: number[]; inits: number } {
  const muxer = new Fmp4Muxer();
  const parts: Buffer[] = [];
  const times: number[] = [];
  let inits = 0;
  units.forEach((unit, i) => {
    const at = startMs + i * (1000 / 30) + (i % 3) * 2;
    times.push(at - startMs);
    const out = muxer.push(unit.data, unit.keyframe, at);
    if (out.init !== undefined) {
      inits += 1;
      parts.push(out.init.data);
    }
    parts.push(out.fragment);
  });
  return { file: Buffer.concat(parts), times, inits };
}

describe('fMP4 muxer', () => {
  it('ffprobe reads one H.264 track of the right size; ffmpeg decodes every frame as from the raw stream', () => {
    const stream = x264('640x360', 45);
    const units = accessUnits(stream);
    expect(units).toHaveLength(45);
    const { file, inits } = mux(units);
    expect(inits).toBe(1);
    const [track] = probe(file, 'stream=codec_name,width,height,profile,nb_frames');
    expect(track).toMatchObject({ codec_name: 'h264', width: 640, height: 360, profile: 'Constrained Baseline' });
    const decoded = framemd5(file, 'mp4');
    expect(decoded).toHaveLength(45);
    expect(decoded).toEqual(framemd5(stream, 'h264'));
  });

  it('marks each IDR a sync sample and stamps each unit with its own time (90 kHz)', () => {
    const units = accessUnits(x264('320x240', 25));
    const { file, times } = mux(units);
    const packets = probe(file, 'packet=dts,pts,flags,duration');
    expect(packets).toHaveLength(25);
    expect(packets.map((p) => String(p.flags).startsWith('K'))).toEqual(units.map((u) => u.keyframe));
    expect(units.filter((u) => u.keyframe)).toHaveLength(3);
    expect(packets.map((p) => p.dts)).toEqual(times.map((t) => Math.round(t * (TIMESCALE / 1000))));
    expect(packets.map((p) => p.pts)).toEqual(packets.map((p) => p.dts));
  });

  it('writes the init segment the browser needs: codec string, size, avcC, 90 kHz, a fragmented track', () => {
    const [first] = accessUnits(x264('642x362', 1));
    const sps = splitNalUnits(first!.data).find((nal) => nalType(nal) === NAL.SPS)!;
    const pps = splitNalUnits(first!.data).find((nal) => nalType(nal) === NAL.PPS)!;
    const init = initSegment(sps, pps);
    expect(init).toMatchObject({ width: 642, height: 362 });
    expect(init.codec).toMatch(/^avc1\.42C0[0-9A-F]{2}$/);
    expect(boxes(init.data).map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(findBox(init.data, 'moov/mvex/trex')).toBeDefined();
    const mdhd = findBox(init.data, 'moov/trak/mdia/mdhd')!;
    expect(mdhd.body.readUInt32BE(12)).toBe(TIMESCALE);
    const avcC = findBox(init.data, 'moov/trak/mdia/minf/stbl/stsd/avc1/avcC')!;
    expect(avcC.body.subarray(1, 4).toString('hex').toUpperCase()).toBe(init.codec.slice(5));
  });

  it('never lets a non-keyframe come two durations after the one before, which MSE takes as a discontinuity', () => {
    // Capture times as a loaded Camera stamps them: jitter (48 then 16 ms), a dropped frame (67 ms),
    // seven dropped at once (260 ms), and a stall before the keyframe at unit 20.
    const gaps = [48, 16, 33, 33, 67, 33, 33, 260, 33, 34, 32, 33, 33, 33, 33, 33, 33, 33, 33, 500, 33, 67, 33];
    const units = accessUnits(x264('320x240', gaps.length + 1));
    const times = [0, ...gaps].map((_, i) => 5000 + gaps.slice(0, i).reduce((sum, gap) => sum + gap, 0));
    const muxer = new Fmp4Muxer();
    const samples = units.map((unit, i) => {
      const moof = findBox(muxer.push(unit.data, unit.keyframe, times[i]!).fragment, 'moof')!;
      const trun = findBox(moof.body, 'traf/trun')!.body;
      const decodeTime = Number(findBox(moof.body, 'traf/tfdt')!.body.readBigUInt64BE(4));
      return { decodeTime, duration: trun.readUInt32BE(12), keyframe: unit.keyframe, ms: times[i]! - 5000 };
    });
    expect(samples.map((s) => s.keyframe)).toEqual(units.map((_, i) => i % 10 === 0));
    samples.slice(1).forEach((sample, i) => {
      const before = samples[i]!;
      expect(sample.decodeTime).toBeGreaterThan(before.decodeTime);
      if (!sample.keyframe) expect(sample.decodeTime - before.decodeTime, `unit ${i + 1}`).toBeLessThan(2 * before.duration);
    });
    // The usual interval (33 ms), not the last one, is each sample's duration; keyframes keep their own time.
    expect(samples.slice(8).every((s) => Math.abs(s.duration - 3000) <= 90)).toBe(true);
    expect(samples.filter((s) => s.keyframe).map((s) => s.decodeTime)).toEqual(samples.filter((s) => s.keyframe).map((s) => s.ms * 90));
  });

  it('one fragment is moof + mdat with a data offset to its sample, decode times past 32 bits', () => {
    const sample = Buffer.from([0, 0, 0, 2, 0x65, 0x88]);
    const out = fragment(7, 2 ** 33 + 5, 3000, sample, true);
    const [moof, mdat] = boxes(out);
    expect([moof!.type, mdat!.type]).toEqual(['moof', 'mdat']);
    expect(mdat!.body).toEqual(sample);
    const tfdt = findBox(moof!.body, 'traf/tfdt')!;
    expect(tfdt.body.readBigUInt64BE(4)).toBe(2n ** 33n + 5n);
    const trun = findBox(moof!.body, 'traf/trun')!;
    // data_offset: from the moof's start to the sample's first byte.
    expect(trun.body.readUInt32BE(8)).toBe(moof!.body.length + 8 + 8);
    expect(findBox(moof!.body, 'mfhd')!.body.readUInt32BE(4)).toBe(7);
  });

  it('a new init segment when the parameter sets change (a new size), none when they repeat', () => {
    const muxer = new Fmp4Muxer();
    const small = accessUnits(x264('320x240', 11));
    const large = accessUnits(x264('640x480', 1));
    const inits = [...small, ...large].map((unit, i) => muxer.push(unit.data, unit.keyframe, i * 33).init);
    expect(inits.filter((init) => init !== undefined).map((init) => [init!.width, init!.height])).toEqual([
      [320, 240],
      [640, 480],
    ]);
    // The IDR at unit 10 repeats the same SPS and PPS: no init segment there.
    expect(small[10]!.keyframe).toBe(true);
    expect(inits[10]).toBeUndefined();
  });

  it('refuses a first unit without parameter sets with ERR_H264_STREAM', () => {
    const units = accessUnits(x264('320x240', 2));
    expect(() => new Fmp4Muxer().push(units[1]!.data, false, 0)).toThrow(expect.objectContaining({ code: 'ERR_H264_STREAM' }));
  });
});
