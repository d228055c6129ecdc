// A Camera's H.264 stream (OpenH264 on its own thread), checked with real decoders: ffmpeg decodes
// the units back to the frames they were coded from, at a PSNR stated here; keyframes come where
// asked; a paused camera (no MJPEG viewer) still feeds it; a stalled JS thread costs counted drops
// and a fresh keyframe, never memory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSync, openCamera, testPattern, type H264Unit } from '../../src/index.js';
import { native } from '../../src/native.js';
import { closesCameras } from '../helpers/camera.js';
import { collectUnits, decodeUnits, nalTypes, probe } from '../helpers/h264.js';
import { psnr } from '../helpers/pixels.js';
import { sleep, waitUntil } from '../helpers/wait.js';

const track = closesCameras();
const dir = mkdtempSync(join(tmpdir(), 'turbocam-h264-'));
// At 2 Mbit/s the test pattern's flat bars and gradient code well above this (40-43 dB here).
const MIN_Y_PSNR_DB = 35;

function isIdr(unit: H264Unit): boolean {
  return nalTypes(unit.data).includes(5);
}

/** Blocks the JS thread, as a stalled consumer does. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

describe('Camera H.264 (OpenH264)', () => {
  it(`codes testsrc to Constrained Baseline that ffmpeg decodes to the captured frames (Y-PSNR >= ${MIN_Y_PSNR_DB} dB, 640x480, 2 Mbit/s)`, async () => {
    const width = 640;
    const height = 480;
    const camera = track(
      await openCamera({
        source: 'testsrc',
        width,
        height,
        fps: 30,
        format: 'i420',
        output: 'both',
        h264: { bitrateKbps: 2000, keyframeInterval: 30 },
      }),
    );
    expect(camera.h264Availability).toEqual({ available: true, encoder: expect.stringMatching(/^openh264 2\./) });
    // The captured luma of each frame, by capture time (a unit carries its frame's).
    const luma = new Map<number, Buffer>();
    camera.on('raw', (frame) => {
      expect(frame.stride).toBe(width);
      luma.set(frame.timestamp, Buffer.from(frame.data.subarray(0, width * height)));
      frame.release();
    });
    const { units, errors } = collectUnits(camera);
    await waitUntil('75 units', () => units.length >= 75);
    camera.stopH264();
    const stats = camera.h264Stats();
    expect(errors).toEqual([]);
    expect(stats.dropped.units).toBe(0);
    expect(stats).toMatchObject({ running: false, forcedKeyframes: 0 });
    expect(stats.units).toBeGreaterThanOrEqual(units.length);
    expect(stats.bytes).toBeGreaterThanOrEqual(units.reduce((n, u) => n + u.data.length, 0));

    // The first unit is a keyframe a viewer can start at: SPS, PPS, then the IDR slice.
    const first = nalTypes(units[0]!.data);
    expect(units[0]!.keyframe).toBe(true);
    expect(first.indexOf(7)).toBeGreaterThanOrEqual(0);
    expect(first.indexOf(7)).toBeLessThan(first.indexOf(8));
    expect(first.indexOf(8)).toBeLessThan(first.indexOf(5));
    // An IDR every 30 frames, each with its parameter sets, and no other.
    expect(units.map((u, i) => [u.sequence, i])).toEqual(units.map((_, i) => [i, i]));
    for (const unit of units) {
      expect(unit.keyframe).toBe(unit.sequence % 30 === 0);
      expect(isIdr(unit)).toBe(unit.keyframe);
      if (unit.keyframe) expect(nalTypes(unit.data).slice(0, 2)).toEqual([7, 8]);
    }

    const file = join(dir, 'testsrc.h264');
    const decoded = decodeUnits(units, width, height, file);
    expect(probe(file)).toEqual({ profile: 'Constrained Baseline', width, height });
    expect(decoded.length).toBe(units.length);
    let compared = 0;
    for (let i = 0; i < units.length; i++) {
      const source = luma.get(units[i]!.timestamp);
      if (source === undefined) continue;
      expect(psnr(decoded[i]!.subarray(0, width * height), source)).toBeGreaterThanOrEqual(MIN_Y_PSNR_DB);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(30);
  });

  it(`codes known yuyv frames from a FIFO, turned 90 degrees, each decoding to its own frame (Y-PSNR >= ${MIN_Y_PSNR_DB} dB)`, async () => {
    const width = 320;
    const height = 240;
    // Far apart in the pattern's motion, so each frame is told from the others.
    const frames = Array.from({ length: 40 }, (_, i) => testPattern({ width, height, format: 'yuyv', frame: i * 7 }));
    // What each frame is once turned and brought to 4:2:0: the planes OpenH264 is given.
    const turned = frames.map(
      (frame) => native.orientedPlanesForTest(frame, width, height, 'yuyv', 80, '420', undefined, 90, undefined).planes[0]!.data,
    );
    const fifo = join(dir, 'yuyv.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = openFile(fifo, 'w');
    const camera = track(await openCamera({ source: fifo, format: 'yuyv', width, height, fps: 30, rotate: 90 }));
    const { units, errors } = collectUnits(camera);
    const handle = await writer;
    for (const frame of frames) {
      await handle.write(frame);
      await sleep(33);
    }
    await waitUntil(
      'the last frame coded',
      () => units.length > 0 && camera.h264Stats().units + camera.h264Stats().dropped.frames >= frames.length,
    );
    await handle.close();
    camera.stopH264();
    expect(errors).toEqual([]);

    const file = join(dir, 'fifo.h264');
    const decoded = decodeUnits(units, height, width, file);
    expect(probe(file)).toEqual({ profile: 'Constrained Baseline', width: height, height: width });
    expect(decoded.length).toBe(units.length);
    // A loaded machine may code fewer (a newer frame replaces one not yet coded): counted.
    const stats = camera.h264Stats();
    expect(stats.units + stats.dropped.frames).toBe(frames.length);
    expect(units.length, `units: ${units.length}, dropped frames: ${stats.dropped.frames}`).toBeGreaterThanOrEqual(10);
    // Each unit decodes to one known frame, best by far, in the order written.
    let previous = -1;
    decoded.forEach((picture, unit) => {
      const y = picture.subarray(0, width * height);
      const scores = turned.map((plane) => psnr(y, plane));
      const best = scores.indexOf(Math.max(...scores));
      const what = `unit ${unit}: best frame ${best} (after ${previous}), dB ${scores.map((score) => score.toFixed(1)).join(' ')}`;
      expect(scores[best], what).toBeGreaterThanOrEqual(MIN_Y_PSNR_DB);
      expect(Math.max(...scores.filter((_, i) => i !== best)), what).toBeLessThan(scores[best]! - 10);
      expect(best, what).toBeGreaterThan(previous);
      previous = best;
    });
  });

  it('keeps coding while the camera is paused (no MJPEG viewer), from the first unit a keyframe', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 320, height: 240, fps: 30, format: 'yuyv' }));
    camera.pause();
    const { units } = collectUnits(camera);
    await waitUntil('30 units while paused', () => units.length >= 30);
    expect(units[0]!.keyframe).toBe(true);
    expect(camera.stats().dropped.paused).toBeGreaterThanOrEqual(25);
    expect(camera.stats().encoded).toBeLessThan(5);
  });

  it('gives an IDR within two units of requestKeyframe, one for many requests, and counts it forced', async () => {
    const camera = track(
      await openCamera({ source: 'testsrc', width: 320, height: 240, fps: 30, format: 'nv12', h264: { keyframeInterval: 1000 } }),
    );
    const { units } = collectUnits(camera);
    await waitUntil('10 units', () => units.length >= 10);
    expect(units.filter((u) => u.keyframe).length).toBe(1);
    const asked = units.length;
    for (let i = 0; i < 5; i++) camera.requestKeyframe();
    await waitUntil('4 more units', () => units.length >= asked + 4);
    const after = units.slice(asked);
    const idr = after.findIndex((u) => u.keyframe);
    expect(idr).toBeGreaterThanOrEqual(0);
    expect(idr).toBeLessThanOrEqual(1);
    expect(isIdr(after[idr]!)).toBe(true);
    expect(after.filter((u) => u.keyframe).length).toBe(1);
    expect(camera.h264Stats()).toMatchObject({ keyframes: 2, forcedKeyframes: 1 });
  });

  it('stops at stopH264 (no unit after it returns) and starts again at a keyframe, numbered from 0', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 320, height: 240, fps: 30, format: 'yuyv' }));
    const { units } = collectUnits(camera);
    await waitUntil('5 units', () => units.length >= 5);
    camera.stopH264();
    const stopped = units.length;
    camera.stopH264(); // idempotent
    await sleep(300);
    expect(units.length).toBe(stopped);
    expect(camera.h264Stats().running).toBe(false);
    const again = collectUnits(camera);
    await waitUntil('a unit after the restart', () => again.units.length >= 3);
    expect(again.units[0]).toMatchObject({ keyframe: true, sequence: 0 });
    expect(camera.h264Stats().running).toBe(true);
    expect(camera.h264Stats().units).toBeGreaterThanOrEqual(stopped + 3);
    expect(() => collectUnits(camera)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });

  it('drops units up to a forced keyframe, counted, when the JS thread stalls; what waits stays bounded', async () => {
    const camera = track(
      await openCamera({ source: 'testsrc', width: 320, height: 240, fps: 30, format: 'yuyv', h264: { keyframeInterval: 1000 } }),
    );
    const batches: H264Unit[][] = [];
    let batch: H264Unit[] = [];
    camera.startH264(
      (unit) => {
        if (batch.length === 0) queueMicrotask(() => batches.push(batch.splice(0)));
        batch.push(unit);
      },
      () => undefined,
    );
    await waitUntil('a first unit', () => batches.length > 0);
    // Three seconds at 30 fps is about 90 units; the queue holds 30.
    busy(3000);
    await waitUntil('units after the stall', () => batches.flat().some((u, i, all) => i > 0 && u.sequence !== all[i - 1]!.sequence + 1));
    await sleep(300);
    const units = batches.flat();
    const gap = units.findIndex((u, i) => i > 0 && u.sequence !== units[i - 1]!.sequence + 1);
    const stats = camera.h264Stats();
    expect(stats.dropped.units).toBeGreaterThan(20);
    expect(units[gap]!.keyframe).toBe(true);
    expect(units[gap]!.sequence - units[gap - 1]!.sequence - 1).toBeLessThanOrEqual(stats.dropped.units);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(30);
    expect(stats.forcedKeyframes).toBe(0);
    expect(stats.keyframes).toBeGreaterThanOrEqual(2);
  });
});

describe('Camera H.264 from every raw format and orientation', () => {
  const width = 160;
  const height = 120;
  const frameIndices = [0, 7, 14, 21, 28, 35];
  // What OpenH264 should see: the pattern's own 4:2:0 luma, turned (an RGB source's, through
  // the colour conversion, matches it as closely).
  const expected = (rotate: 0 | 90 | 180 | 270, flip: 'h' | 'v' | undefined): Buffer[] =>
    frameIndices.map(
      (frame) =>
        native.orientedPlanesForTest(
          testPattern({ width, height, format: 'i420', frame }),
          width,
          height,
          'i420',
          80,
          '420',
          undefined,
          rotate,
          flip,
        ).planes[0]!.data,
    );

  it.each([
    ['uyvy', 0, undefined],
    ['nv12', 180, undefined],
    ['i420', 270, 'h'],
    ['rgb24', 90, undefined],
    ['bgr24', 0, 'v'],
    ['grey', 90, 'v'],
  ] as const)(`%s turned %i flipped %s decodes to the turned frames (Y-PSNR >= ${MIN_Y_PSNR_DB} dB)`, async (format, rotate, flip) => {
    const fifo = join(dir, `${format}-${rotate}-${flip ?? 'none'}.fifo`);
    execFileSync('mkfifo', [fifo]);
    const writer = openFile(fifo, 'w');
    const camera = track(await openCamera({ source: fifo, format, width, height, fps: 30, rotate, ...(flip ? { flip } : {}) }));
    camera.on('error', () => undefined); // the FIFO's end, once the writer closes
    const { units, errors } = collectUnits(camera);
    const handle = await writer;
    for (const frame of frameIndices) {
      await handle.write(testPattern({ width, height, format, frame }));
      await sleep(40);
    }
    await waitUntil(
      'every frame coded or replaced',
      () => camera.h264Stats().units + camera.h264Stats().dropped.frames >= frameIndices.length,
    );
    camera.stopH264();
    await handle.close();
    expect(errors).toEqual([]);
    const swap = rotate === 90 || rotate === 270;
    const [w, h] = swap ? [height, width] : [width, height];
    const decoded = decodeUnits(units, w, h, join(dir, `${format}.h264`));
    expect(decoded.length).toBe(units.length);
    expect(units.length).toBeGreaterThanOrEqual(3);
    const planes = expected(rotate, flip);
    for (const picture of decoded) {
      const best = Math.max(...planes.map((plane) => psnr(picture.subarray(0, w * h), plane)));
      expect(best).toBeGreaterThanOrEqual(MIN_Y_PSNR_DB);
    }
  });
});

describe('Camera H.264 from camera MJPEG', () => {
  it.each(['422', '420'] as const)(
    `decodes %s JPEGs on the H.264 thread and codes them at the JPEGs' own size (Y and U PSNR >= ${MIN_Y_PSNR_DB} dB against the pattern)`,
    async (subsampling) => {
      const width = 320;
      const height = 240;
      const frameIndices = [0, 7, 14, 21, 28, 35];
      const pattern = (frame: number): Buffer => testPattern({ width, height, format: 'yuyv', frame });
      const fifo = join(dir, `mjpeg-${subsampling}.fifo`);
      execFileSync('mkfifo', [fifo]);
      const writer = openFile(fifo, 'w');
      // Declared smaller than the frames are: a pipe's JPEGs carry their own size.
      const camera = track(await openCamera({ source: fifo, format: 'mjpeg', width: 160, height: 120, fps: 30 }));
      camera.on('error', () => undefined); // the FIFO's end
      expect(camera.h264Availability.available).toBe(true);
      const { units, errors } = collectUnits(camera);
      const handle = await writer;
      for (const frame of frameIndices) {
        await handle.write(encodeSync(pattern(frame), { width, height, format: 'yuyv', quality: 95, subsampling }));
        await sleep(40);
      }
      await waitUntil(
        'every frame coded or replaced',
        () => camera.h264Stats().units + camera.h264Stats().dropped.frames >= frameIndices.length,
      );
      camera.stopH264();
      await handle.close();
      expect(errors).toEqual([]);
      expect(units[0]!.keyframe).toBe(true);
      const file = join(dir, `mjpeg-${subsampling}.h264`);
      const decoded = decodeUnits(units, width, height, file);
      expect(probe(file)).toEqual({ profile: 'Constrained Baseline', width, height });
      expect(decoded.length).toBe(units.length);
      expect(units.length).toBeGreaterThanOrEqual(3);
      // The pattern's own 4:2:0 planes: luma, and chroma averaged down as the JPEG's was.
      const expected = frameIndices.map(
        (frame) => native.orientedPlanesForTest(pattern(frame), width, height, 'yuyv', 80, '420', undefined, 0, undefined).planes,
      );
      const luma = width * height;
      for (const picture of decoded) {
        const scores = expected.map((planes) => psnr(picture.subarray(0, luma), planes[0]!.data));
        const best = scores.indexOf(Math.max(...scores));
        expect(scores[best]).toBeGreaterThanOrEqual(MIN_Y_PSNR_DB);
        expect(psnr(picture.subarray(luma, luma + luma / 4), expected[best]![1]!.data)).toBeGreaterThanOrEqual(MIN_Y_PSNR_DB);
      }
    },
  );
});

describe('Camera H.264 across a reconnect', () => {
  it('a persistent camera goes on coding after its source comes back: a keyframe, numbering carried on', async () => {
    const width = 160;
    const height = 120;
    const fifo = join(dir, 'persistent.fifo');
    execFileSync('mkfifo', [fifo]);
    const camera = track(await openCamera({ source: fifo, format: 'yuyv', width, height, fps: 30, persistent: true, retryInterval: 100 }));
    const { units, errors } = collectUnits(camera);
    /** One writer: opens the FIFO (retrying while the old reader closes), writes frames, closes. */
    const writeFrames = async (from: number): Promise<void> => {
      for (;;) {
        try {
          const handle = await openFile(fifo, 'w');
          for (let i = 0; i < 5; i++) {
            await handle.write(testPattern({ width, height, format: 'yuyv', frame: from + i }));
            await sleep(40);
          }
          await handle.close();
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
        }
      }
    };
    const disconnected = new Promise((resolve) => camera.once('disconnect', resolve));
    await writeFrames(0);
    await disconnected;
    const before = units.length;
    expect(before).toBeGreaterThan(0);
    const reconnected = new Promise((resolve) => camera.once('reconnect', resolve));
    const writing = writeFrames(100);
    await reconnected;
    await writing;
    await waitUntil('units after the reconnect', () => units.length > before);
    expect(errors).toEqual([]);
    expect(units[before]!.keyframe).toBe(true);
    expect(units[before]!.sequence).toBeGreaterThan(units[before - 1]!.sequence);
    expect(camera.h264Stats().units).toBeGreaterThanOrEqual(units.length);
    expect(camera.h264Stats().running).toBe(true);
  });
});
