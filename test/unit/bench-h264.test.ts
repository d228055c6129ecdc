// The bench's h264 part: its arithmetic on hand-worked figures (thread CPU, ffmpeg's PSNR line,
// the quality search, bytes at equal PSNR, RTP timestamps back to capture times) and its table.
// test/e2e/bench-h264.test.ts runs its machinery for real. No timing is asserted.
import { describe, expect, it } from 'vitest';
import {
  alignRtp,
  atEqualPsnr,
  h264Section,
  latencySummary,
  parsePsnr,
  searchQuality,
  threadGroupNs,
  unevenIntervalMs,
  type H264Results,
  type QualitySample,
} from '../../bench/lib/h264-figures.mjs';
import { table } from '../../bench/lib/report.mjs';

describe('bench h264 arithmetic', () => {
  it('bills thread CPU to the H.264 thread, the JPEG workers and the process, threads new since the first sample from zero', () => {
    const before = [
      { tid: 1, comm: 'node', ns: 1000 },
      { tid: 7, comm: 'tc-enc-0', ns: 500 },
    ];
    const after = [
      { tid: 1, comm: 'node', ns: 4000 },
      { tid: 7, comm: 'tc-enc-0', ns: 2500 },
      { tid: 8, comm: 'tc-enc-1', ns: 300 },
      { tid: 9, comm: 'tc-h264', ns: 7000 },
    ];
    expect(threadGroupNs(before, after)).toEqual({ h264: 7000, jpeg: 2300, process: 3000 + 2300 + 7000 });
  });

  it("reads ffmpeg's psnr summary line, inf included, and says null without one", () => {
    const log =
      'frame=   60 fps=0.0 q=-0.0 Lsize=N/A\n[Parsed_psnr_0 @ 0x55] PSNR y:41.251845 u:44.10 v:inf average:42.5 min:39.9 max:inf\n';
    expect(parsePsnr(log)).toEqual({ y: 41.251845, u: 44.1, v: Infinity, average: 42.5, min: 39.9, max: Infinity });
    expect(parsePsnr('no summary here')).toBeNull();
  });

  it('bisects to the smallest quality reaching the target, with the one below, in few measurements', async () => {
    const tried: number[] = [];
    const measure = async (quality: number): Promise<QualitySample> => {
      tried.push(quality);
      return { quality, psnr: 30 + quality / 10, bytesPerFrame: 1000 * quality };
    };
    const samples = await searchQuality(measure, 36.25);
    const qualities = samples.map((s) => s.quality);
    expect(qualities).toEqual([...qualities].sort((a, b) => a - b));
    expect(qualities).toContain(63);
    expect(qualities).toContain(62);
    expect(tried.length).toBeLessThanOrEqual(10);
    expect(new Set(tried).size).toBe(tried.length);
    // Out of reach: the top quality is below the target, and nothing more is tried.
    expect((await searchQuality(measure, 45)).map((s) => s.quality)).toEqual([100]);
  });

  it('takes the nearest quality within 0.5 dB, else interpolates log(bytes) between the two either side', () => {
    const samples = [
      { quality: 60, psnr: 38.0, bytesPerFrame: 40_000 },
      { quality: 61, psnr: 39.2, bytesPerFrame: 80_000 },
    ];
    expect(atEqualPsnr(samples, 38.3)).toMatchObject({ quality: 60, bytesPerFrame: 40_000, how: 'matched' });
    // 38.6 dB is halfway in PSNR: the geometric mean of the sizes, sqrt(40000 * 80000).
    const between = atEqualPsnr(samples, 38.6, 0.2);
    expect(between.how).toBe('interpolated q60-q61');
    expect(between.bytesPerFrame).toBeCloseTo(Math.sqrt(40_000 * 80_000), 6);
    expect(between.quality).toBeCloseTo(60.5, 6);
    expect(atEqualPsnr(samples, 45).bytesPerFrame).toBeNull();
    expect(atEqualPsnr(samples, 45).how).toMatch(/highest quality tried is below/);
  });

  it('maps RTP timestamps back to uneven capture times through a random base that wraps, frames missed or not', () => {
    // Capture times as the latency server makes them: uneven intervals from a start.
    const capture: number[] = [];
    for (let i = 0, t = 5_000_123.25; i < 200; i++, t += unevenIntervalMs(i, 30)) capture.push(t);
    const base = 0xffff_0000; // wraps within the first second
    const first = capture[10]!; // the keyframe the peer started at
    const rtp = (t: number) => (base + Math.round((t - first) * 90)) >>> 0;
    // The page saw every other frame from the 40th, and none before.
    const seen = capture.filter((_, i) => i >= 40 && i % 2 === 0);
    const aligned = alignRtp(seen.map(rtp), capture);
    expect(aligned.ok).toBe(true);
    expect(aligned.matched).toBe(seen.length);
    expect(aligned.captureMs).toEqual(seen);
  });

  it('refuses to map when capture times are regular, as any frame could be the anchor', () => {
    const capture = Array.from({ length: 100 }, (_, i) => 1000 + i * 40);
    const rtp = capture.slice(20, 60).map((t) => (1234 + (t - 1000) * 90) >>> 0);
    expect(alignRtp(rtp, capture).ok).toBe(false);
    expect(alignRtp([], capture)).toMatchObject({ ok: false, matched: 0 });
  });

  it('summarises latency by median and p95, nulls dropped', () => {
    const values = [...Array.from({ length: 19 }, (_, i) => 10 + i), null, 200];
    expect(latencySummary(values)).toEqual({ frames: 20, median: 19, p95: 28 });
    expect(latencySummary([])).toEqual({ frames: 0, median: null, p95: null });
  });

  it('renders the three tables, absent paths as lines', () => {
    const scene = (name: string, ratio: number) => ({
      scene: name,
      frames: 60,
      h264: { bitrateKbps: 2000, units: 60, keyframes: 1, skipped: 0, bytesPerFrame: 8192, psnr: 39.02, psnrY: 41 },
      mjpeg: { quality: 69, psnr: 39.1, bytesPerFrame: 8192 * ratio, how: 'matched', samples: [], encodeSyncCpuMsPerFrame: 3.1 },
      ratio,
      cpu: { h264MsPerUnit: 2.5, jpegQuality: 80, jpegMsPerFrame: 2.7, processMsPerFrame: 6, jpegFrames: 60, jpegBytesPerFrame: 50_000 },
    });
    const result: H264Results = {
      width: 1280,
      height: 720,
      fps: 30,
      bitrateKbps: 2000,
      frames: 60,
      openh264: 'openh264 2.3.1',
      scenes: [scene('motion', 5), scene('static-noisy', 15)],
      m2m: { encoder: 'm2m', available: false, reason: 'absent: no V4L2 M2M H.264 encoder' },
      latency: {
        seconds: 3,
        clocks: {},
        rows: [
          { path: 'webrtc', available: true, fps: 29.5, decodedFps: 30, median: 99.5, p95: 127.3, hubSkips: 1, hubSkippedUnits: 12 },
          { path: 'mse', available: false, reason: 'absent: this build has no GET /ws' },
          { path: 'mjpeg', available: true, fps: 30, median: 20, p95: 40 },
        ],
      },
    };
    const text = h264Section(result, table).join('\n');
    expect(text).toMatch(/\nmotion +60 +0 +8\.0 +39\.02 +69 +39\.10 +40\.0 +5\.00x/);
    expect(text).toMatch(/\nstatic-noisy +60 +0 +8\.0 .* 15\.00x/);
    expect(text).toMatch(/\nopenh264 2\.3\.1 2000 kbit\/s +tc-h264 +2\.50 +2\.50/);
    expect(text).toMatch(/\nJPEG worker q80 +tc-enc-0 +2\.70/);
    expect(text).toMatch(/\nM2M H\.264: absent: no V4L2 M2M H\.264 encoder/);
    expect(text).toMatch(/\nwebrtc +29\.5 +30\.0 +99\.5 +127\.3 +1 +12\n/);
    expect(text).toMatch(/\nmse: absent: this build has no GET \/ws/);
    expect(text).not.toMatch(/WARNING/);
    result.scenes[1]!.h264.skipped = 4;
    expect(h264Section(result, table).join('\n')).toMatch(/\nWARNING static-noisy: H\.264 skipped 4 of 60 frames/);
    expect(h264Section({ error: 'no OpenH264' } as H264Results, table)).toEqual(['H.264: not run (no OpenH264)']);
  });
});
