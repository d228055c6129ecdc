// The M2M encoder against the harness's drivers loaded with other options, inside the same boot
// (each reload here is undone after its block): vicodec single-planar (multiplanar=0), vivid's
// dma-contig allocator feeding vicodec by DMABUF, and vim2m made slow (default_transtime) as a
// stalled encoder that the poll deadline gives up on, falling back to the CPU, never hanging.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';
import { capsOf, decodeFwht, nodeNamed, reloadModule, visibleI420, vividReference } from '../helpers/m2m.js';
import { psnr } from '../helpers/pixels.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';
import { waitFor } from '../helpers/wait.js';

const unavailable = await vividUnavailable();
const NO_OSD = { osd_text_mode: 2 };
const present = unavailable === null && nodeNamed('stateful-encoder') !== undefined;
const work = mkdtempSync(join(tmpdir(), 'turbocam-m2m-modules-'));

const open: Camera[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((camera) => camera.close()));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function nextFrames(camera: Camera, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of camera) {
    frames.push(frame);
    if (frames.length >= count) break;
  }
  return frames;
}

/** Streams vivid through vicodec's encoder, checks the last frame through its decoder, and
 *  returns the encoder's stats. */
async function encodeAndCheck(encoder: string, decoder: string, width: number, height: number) {
  const reference = vividReference(work, width, height);
  const camera = await openCamera({
    source: DEVICE,
    format: 'i420',
    width,
    height,
    fps: 30,
    controls: NO_OSD,
    encoder: 'm2m-image',
    encoderDevice: encoder,
    encoderFormat: 'fwht',
    workers: 2,
  });
  open.push(camera);
  const frames = await nextFrames(camera, 6);
  const stats = camera.stats().encoder!;
  expect(stats).toMatchObject({ kind: 'm2m-image', device: encoder, fallback: null });
  const decoded = visibleI420(decodeFwht(work, decoder, frames.at(-1)!.data), width, height);
  expect(psnr(decoded, reference)).toBeGreaterThanOrEqual(35);
  return stats;
}

describe.skipIf(!present)('vicodec single-planar (multiplanar=0)', () => {
  let encoder = '';
  let decoder = '';
  beforeAll(() => {
    encoder = reloadModule('vicodec', ['multiplanar=0'], 'stateful-encoder');
    decoder = nodeNamed('stateful-decoder')!;
  });
  afterAll(() => {
    reloadModule('vicodec', ['multiplanar=1'], 'stateful-encoder');
  });

  it('is the single-planar M2M API', () => {
    expect(capsOf(encoder)).toContain('Video Memory-to-Memory');
    expect(capsOf(encoder)).not.toContain('Video Memory-to-Memory Multiplanar');
  });

  it('640x480: vivid by DMABUF, no copy; decodes within 35 dB', async () => {
    const stats = await encodeAndCheck(encoder, decoder, 640, 480);
    expect(stats.zeroCopy).toBeGreaterThanOrEqual(6);
    expect(stats.copies).toBe(0);
  });

  it('640x360: an aligned, cropped buffer, copied; decodes within 35 dB', async () => {
    const stats = await encodeAndCheck(encoder, decoder, 640, 360);
    expect(stats.copies).toBeGreaterThanOrEqual(6);
    expect(stats.zeroCopy).toBe(0);
  });
});

describe.skipIf(!present)("vivid's dma-contig allocator (allocators=1)", () => {
  beforeAll(() => {
    execFileSync('test/vm/reload-vivid', ['allocators=1']);
  });
  afterAll(() => {
    execFileSync('test/vm/reload-vivid');
  });

  it('vivid is on dma-contig: its DMABUFs reach vicodec without a copy; decodes within 35 dB', async () => {
    expect(execFileSync('cat', ['/sys/module/vivid/parameters/allocators'], { encoding: 'utf8' })).toMatch(/^1/);
    const stats = await encodeAndCheck(nodeNamed('stateful-encoder')!, nodeNamed('stateful-decoder')!, 640, 480);
    expect(stats.zeroCopy).toBeGreaterThanOrEqual(6);
    expect(stats.copies).toBe(0);
  });
});

describe.skipIf(!present || nodeNamed('vim2m') === undefined)('a stalled encoder (vim2m, 3 s a frame)', () => {
  let vim2m = '';
  beforeAll(() => {
    vim2m = reloadModule('vim2m', ['default_transtime=3000'], 'vim2m');
  });
  afterAll(() => {
    reloadModule('vim2m', [], 'vim2m');
  });

  it('the poll deadline gives up on it, the stream falls back to the CPU with one warning, and streams on', async () => {
    const camera = await openCamera({
      source: DEVICE,
      format: 'rgb24',
      width: 640,
      height: 360,
      fps: 30,
      controls: NO_OSD,
      encoder: 'm2m-image',
      encoderDevice: vim2m,
      encoderFormat: 'yuyv',
      workers: 1,
    });
    open.push(camera);
    expect(camera.stats().encoder).toMatchObject({ kind: 'm2m-image', device: vim2m });
    const warnings: Error[] = [];
    camera.on('warning', (error: Error) => warnings.push(error));
    // Only bounds a hang: four tries of 2 s each, and vim2m finishing its job on each teardown.
    const warned = waitFor<Error>(camera, 'warning', 50_000);
    const frames = camera[Symbol.asyncIterator]();
    const first = await frames.next();
    await warned;
    const jpeg = first.value as Frame;
    expect(jpeg.data.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(colourBarMismatches(decodeJpeg(jpeg.data), 0.1, 0.9)).toEqual([]);
    const encoder = camera.stats().encoder!;
    expect(encoder).toMatchObject({ kind: 'cpu', chosen: 'm2m-image', hardwareFrames: 0 });
    expect(encoder.fallback).toMatch(/produced no frame within 2000 ms/);
    expect(warnings).toHaveLength(1);
    await frames.return?.();
  }, 60_000);
});
