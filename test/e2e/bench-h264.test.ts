// The bench's h264 part run for real at a small size: OpenH264 through a FIFO and MJPEG on the
// same frames, measured by ffmpeg's psnr filter; Chromium playing WHEP, MSE and MJPEG, its frames
// traced back to their capture. Only the mechanics are asserted, never a timing or a ratio's size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchLatency } from '../../bench/lib/h264-latency.mjs';
import { benchScene } from '../../bench/lib/h264-quality.mjs';
import { ensureBuilt } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-bench-h264-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench h264 runs (small)', () => {
  let motionSource = '';

  it('codes the same frames both ways: H.264 decodes near the source, MJPEG is found at its PSNR, CPU billed to each thread', async () => {
    ensureBuilt();
    const result = await benchScene('motion', { dir, width: 320, height: 240, fps: 30, frames: 30, bitrateKbps: 500, log: () => {} });
    motionSource = result.sourceFile;
    expect(result.h264.units + result.h264.skipped).toBe(30);
    expect(result.h264.keyframes).toBeGreaterThanOrEqual(1);
    expect(result.h264.psnr).toBeGreaterThan(30);
    expect(result.mjpeg.how).toBe('matched');
    expect(Math.abs(result.mjpeg.psnr! - result.h264.psnr)).toBeLessThanOrEqual(0.5);
    // The JPEG planes reach the psnr filter unconverted: at q100 they are nearly the source.
    expect(result.mjpeg.samples.find((s) => s.quality === 100)!.psnr).toBeGreaterThan(50);
    expect(result.ratio).toBeGreaterThan(1);
    expect(result.cpu.jpegFrames).toBe(30);
    expect(result.cpu.h264MsPerUnit).toBeGreaterThan(0);
    expect(result.cpu.jpegMsPerFrame).toBeGreaterThan(0);
    expect(result.cpu.processMsPerFrame).toBeGreaterThan(result.cpu.h264MsPerUnit!);
  }, 120_000);

  it('measures capture to a decoded frame in Chromium: WebRTC and MSE frames mapped back to their capture, MJPEG beside', async () => {
    expect(motionSource).not.toBe('');
    const result = await benchLatency({
      sourceFile: motionSource,
      frames: 30,
      width: 320,
      height: 240,
      fps: 30,
      bitrateKbps: 500,
      seconds: 2,
      log: () => {},
    });
    const [webrtc, mse, mjpeg] = result.rows;
    expect(webrtc).toMatchObject({ path: 'webrtc', available: true });
    expect(webrtc!.mapped).toBe(webrtc!.frames);
    expect(webrtc!.frames).toBeGreaterThan(10);
    expect(webrtc!.decodedFps).toBeGreaterThan(0);
    expect(webrtc!.median).toBeGreaterThan(0);
    expect(mse).toMatchObject({ path: 'mse', available: true });
    expect(mse!.mapped).toBe(mse!.frames);
    expect(mse!.frames).toBeGreaterThan(10);
    expect(mse!.median).toBeGreaterThan(0);
    expect(mjpeg).toMatchObject({ path: 'mjpeg', available: true });
    expect(mjpeg!.median).toBeGreaterThan(0);
  }, 120_000);
});
