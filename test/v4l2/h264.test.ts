// H.264 from a real V4L2 camera (vivid, yuyv): the units ffmpeg decodes are the frames the device
// gave, at a stated PSNR, while the camera is paused (no MJPEG viewer) and captures on.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import { closesCameras } from '../helpers/camera.js';
import { collectUnits, decodeUnits, nalTypes, probe } from '../helpers/h264.js';
import { psnr } from '../helpers/pixels.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';
import { waitUntil } from '../helpers/wait.js';

const unavailable = await vividUnavailable();
const track = closesCameras();
const MIN_Y_PSNR_DB = 35;

describe.skipIf(unavailable !== null)('H.264 from vivid', () => {
  it(`a yuyv camera's units decode to its captured frames (Y-PSNR >= ${MIN_Y_PSNR_DB} dB at 320x180, 1 Mbit/s)`, async () => {
    const width = 320;
    const height = 180;
    const camera = track(
      await openCamera({
        source: DEVICE,
        width,
        height,
        fps: 30,
        format: 'yuyv',
        output: 'both',
        h264: { bitrateKbps: 1000, keyframeInterval: 30 },
      }),
    );
    expect(camera.info).toMatchObject({ kind: 'v4l2', format: 'yuyv', width, height });
    camera.pause();
    // The captured frames by capture time (a copy: the luma is taken out later, the guest is slow).
    const captured = new Map<number, { data: Buffer; stride: number }>();
    camera.on('raw', (frame) => {
      if (captured.size < 100) captured.set(frame.timestamp, { data: Buffer.from(frame.data), stride: frame.stride });
      frame.release();
    });
    const { units, errors } = collectUnits(camera);
    await waitUntil('15 units', () => units.length >= 15, 120_000);
    camera.stopH264();
    expect(errors).toEqual([]);
    expect(units[0]!.keyframe).toBe(true);
    expect(nalTypes(units[0]!.data).slice(0, 2)).toEqual([7, 8]);
    expect(camera.stats().encoded).toBeLessThan(5);

    const file = join(mkdtempSync(join(tmpdir(), 'turbocam-h264-')), 'vivid.h264');
    const decoded = decodeUnits(units, width, height, file);
    expect(probe(file)).toEqual({ profile: 'Constrained Baseline', width, height });
    expect(decoded.length).toBe(units.length);
    let compared = 0;
    for (let i = 0; i < units.length; i++) {
      const frame = captured.get(units[i]!.timestamp);
      if (frame === undefined) continue;
      const luma = Buffer.alloc(width * height);
      for (let row = 0; row < height; row++) {
        for (let x = 0; x < width; x++) luma[row * width + x] = frame.data[row * frame.stride + 2 * x]!;
      }
      expect(psnr(decoded[i]!.subarray(0, width * height), luma)).toBeGreaterThanOrEqual(MIN_Y_PSNR_DB);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(8);
  }, 300_000);
});
