// The M2M video stream encoder (native/encoder/m2m/m2m_video_stream.*), the hardware H.264 path
// of a Pi's /dev/video11, for its mechanics inside the VM: vicodec codes FWHT, not H.264, so the
// stream codes 'fwht' there, a GOP of I- and P-frames that vicodec's own decoder reads back.
// Driven through the test binding (m2mVideoStreamForTest), as the H.264 stream's thread drives
// it: frames in order, units out in order with their timestamps and keyframe flags at the
// interval, a forced keyframe on a driver without FORCE_KEY_FRAME, an encoder that holds frames
// (vim2m made slow), a device that goes away or is busy (EBUSY by the fault-ioctl shim, in a child
// process), and nodes that code no H.264.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native.js';
import type { NativeM2mStreamOptions } from '../../src/native.js';
import { ensureBuilt } from '../helpers/cli.js';
import { compileFaultShim, decodeFwht, nodeNamed, reloadModule, runWithFault } from '../helpers/m2m.js';
import type { Fault } from '../helpers/m2m.js';
import { psnr } from '../helpers/pixels.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';

const unavailable = await vividUnavailable();
const ENCODER = unavailable === null ? nodeNamed('stateful-encoder') : undefined;
const DECODER = unavailable === null ? nodeNamed('stateful-decoder') : undefined;
const WIDTH = 640;
const HEIGHT = 480;
const FPS = 30;
const work = mkdtempSync(join(tmpdir(), 'turbocam-m2m-stream-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The built-in test pattern's frames (its box moves, so most blocks of a P-frame are predicted). */
function patternFrames(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => native.testPattern(WIDTH, HEIGHT, 'i420', i));
}

function fwht(overrides: Partial<NativeM2mStreamOptions> = {}): NativeM2mStreamOptions {
  return { device: ENCODER, coded: 'fwht', width: WIDTH, height: HEIGHT, format: 'i420', fps: FPS, keyframeInterval: 10, ...overrides };
}

const timestampOf = (i: number): number => 1_000_000 + i * Math.floor(1_000_000 / FPS);

describe.skipIf(unavailable !== null || ENCODER === undefined)('M2M video stream (vicodec, FWHT)', () => {
  it('codes frames in order: one unit each, with its timestamp, keyframes at the interval; decodes back as a stream', async () => {
    const frames = patternFrames(20);
    const run = await native.m2mVideoStreamForTest(fwht(), frames, []);
    expect(run.name.startsWith(`m2m ${ENCODER} (`)).toBe(true);
    expect(run.units.map((u) => u.timestampUs)).toEqual(frames.map((_, i) => timestampOf(i)));
    expect(run.units.map((u) => u.keyframe)).toEqual(frames.map((_, i) => i % 10 === 0));
    expect(run.stats).toMatchObject({ frames: 20, units: 20, keyframes: 2, skipped: 0, lost: 0, rebuilds: 0, forcedKeyframes: 0 });
    // The video table from the settings: the GOP and the QP taken, vicodec's missing bitrate said.
    expect(run.stats.controls).toEqual({ set: ['gop-size', 'fwht-i-frame-qp'], unsupported: ['bitrate'] });
    // A whole GOP through vicodec's decoder: the last P-frame needs every frame before it.
    const decoded = decodeFwht(work, DECODER!, Buffer.concat(run.units.slice(0, 10).map((u) => u.data)), 10);
    const size = (WIDTH * HEIGHT * 3) / 2;
    expect(decoded.length).toBe(size * 10);
    expect(psnr(decoded.subarray(0, size), frames[0]!)).toBeGreaterThanOrEqual(35);
    expect(psnr(decoded.subarray(9 * size), frames[9]!)).toBeGreaterThanOrEqual(30);
  });

  it('a forced keyframe: vicodec has no FORCE_KEY_FRAME (said in the stats), so a fresh context makes it one and the GOP counts from it', async () => {
    const frames = patternFrames(20);
    const run = await native.m2mVideoStreamForTest(fwht(), frames, [4]);
    expect(run.units.map((u) => u.timestampUs)).toEqual(frames.map((_, i) => timestampOf(i)));
    const keyframes = run.units.flatMap((u, i) => (u.keyframe ? [i] : []));
    expect(keyframes).toEqual([0, 4, 14]);
    expect(run.stats).toMatchObject({ frames: 20, units: 20, keyframes: 3, forcedKeyframes: 1, keyframeRestarts: 1, lost: 0 });
    expect(run.stats.controls.unsupported).toEqual(['bitrate', 'force-key-frame']);
    expect(psnr(decodeFwht(work, DECODER!, run.units[4]!.data), frames[4]!)).toBeGreaterThanOrEqual(35);
  });

  it('refuses what the node cannot do: no H.264 from vicodec (it gives FWHT), no node of H.264 at all, a capture node', async () => {
    const h264 = { ...fwht(), coded: 'h264' as const };
    await expect(native.m2mVideoStreamForTest(h264, [], [])).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED_FORMAT',
      path: ENCODER,
      message: expect.stringMatching(/gave FWHT when asked for coded H264/),
    });
    await expect(native.m2mVideoStreamForTest({ ...h264, device: '' }, [], [])).rejects.toMatchObject({
      code: 'ERR_NO_M2M_ENCODER',
      message: 'no V4L2 M2M encoder from YU12 to H264 among /dev/video*',
    });
    await expect(native.m2mVideoStreamForTest({ ...h264, device: DEVICE }, [], [])).rejects.toMatchObject({
      code: 'ERR_NO_M2M_ENCODER',
      path: DEVICE,
    });
  });

  it('finds vicodec by itself for FWHT from I420', async () => {
    const run = await native.m2mVideoStreamForTest(fwht({ device: '' }), patternFrames(2), []);
    expect(run.name.startsWith(`m2m ${ENCODER} (`)).toBe(true);
    expect(run.stats.units).toBe(2);
  });

  it('the device going away mid-stream fails with a coded error naming it, not a hang', async () => {
    const frames = patternFrames(60);
    const running = native.m2mVideoStreamForTest(fwht({ intervalMs: 20 }), frames, []);
    const settled = running.then(
      () => null,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    execFileSync('sh', ['-c', 'echo vicodec.0 > /sys/bus/platform/drivers/vicodec/unbind']);
    try {
      // Its nodes are gone under the open file descriptor: the ioctls fail with ENODEV, the
      // fresh context the stream tries cannot open the node.
      expect(await settled).toMatchObject({ code: 'ENOENT', path: ENCODER, message: expect.stringMatching(/cannot open encoder/) });
    } finally {
      execFileSync('sh', ['-c', 'echo vicodec.0 > /sys/bus/platform/drivers/vicodec/bind']);
    }
  }, 60_000);
});

describe.skipIf(unavailable !== null || ENCODER === undefined)('M2M video stream on a busy node (EBUSY injected)', () => {
  const child = fileURLToPath(new URL('../helpers/m2m-stream-child.mjs', import.meta.url));
  let shim = '';
  beforeAll(() => {
    ensureBuilt();
    shim = compileFaultShim(work);
  }, 180_000);

  // The open's context takes the first two STREAMONs (OUTPUT, CAPTURE); the forced keyframe at
  // frame 5 sets a fresh context up (vicodec has no FORCE_KEY_FRAME), which meets the faults.
  function run(fault: Fault) {
    const result = runWithFault(shim, ENCODER!, [child, JSON.stringify(fwht()), '10', '[5]'], fault);
    expect(result.status, result.stderr).toBe(0);
    return { ...JSON.parse(result.stdout.trim().split('\n').at(-1)!), faults: result.faults };
  }

  it('busy at open: refused with EBUSY naming the node', () => {
    const result = run({ request: 'STREAMON' });
    expect(result.error).toMatchObject({ code: 'EBUSY', path: ENCODER });
    expect(result.faults).toBe(1);
  });

  it('busy for two tries: the context is set up again, every frame coded, the forced keyframe where asked', () => {
    const result = run({ request: 'STREAMON', skip: 2, count: 2 });
    expect(result.faults).toBe(2);
    expect(result.keyframes.flatMap((key: boolean, i: number) => (key ? [i] : []))).toEqual([0, 5]);
    expect(result.stats).toMatchObject({ frames: 10, units: 10, rebuilds: 2, lost: 0, keyframeRestarts: 1 });
  });

  it('busy for good: a bounded number of tries, then EBUSY naming the node', () => {
    const result = run({ request: 'STREAMON', skip: 2 });
    // The first try and maxRebuilds (3) more.
    expect(result.faults).toBe(4);
    expect(result.error).toMatchObject({ code: 'EBUSY', path: ENCODER });
  });
});

describe.skipIf(unavailable !== null || nodeNamed('vim2m') === undefined)('an encoder that holds frames (vim2m, 100 ms a frame)', () => {
  let vim2m = '';
  beforeAll(() => {
    vim2m = reloadModule('vim2m', ['default_transtime=100'], 'vim2m');
  });
  afterAll(() => {
    reloadModule('vim2m', [], 'vim2m');
  });

  it('hands the units out of later calls, in order, each with its own timestamp, none lost', async () => {
    // Each frame one shade of grey, lighter frame by frame: vim2m's YUYV carries it as luma.
    const frames = Array.from({ length: 8 }, (_, i) => Buffer.alloc(WIDTH * HEIGHT * 3, 40 + 20 * i));
    const run = await native.m2mVideoStreamForTest(
      { device: vim2m, coded: 'yuyv', width: WIDTH, height: HEIGHT, format: 'rgb24', fps: FPS },
      frames,
      [],
    );
    expect(run.units.map((u) => u.timestampUs)).toEqual(frames.map((_, i) => timestampOf(i)));
    const lumas = run.units.map((u) => u.data[0]!);
    expect(lumas).toEqual([...lumas].sort((a, b) => a - b));
    expect(new Set(lumas).size).toBe(frames.length);
    expect(run.units.every((u) => u.data.length === WIDTH * HEIGHT * 2)).toBe(true);
    // A frame takes three frame intervals: the stream keeps two in the encoder, no more.
    expect(run.stats).toMatchObject({ frames: 8, units: 8, maxHeld: 2, lost: 0, skipped: 0 });
  }, 60_000);
});
