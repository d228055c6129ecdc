// The V4L2 memory-to-memory encoder inside the VM harness: vivid's frames through the kernel's
// vicodec (multiplanar=1, a stateful encoder like a Raspberry Pi's). vicodec codes FWHT, not
// JPEG, so these cameras ask for `encoderFormat: 'fwht'`; each coded frame is decoded by vicodec's
// own decoder (v4l2-ctl) and compared with a raw frame captured from vivid. Also: a node that
// substitutes FWHT for JPEG, a node that is no encoder, `auto`, and the device vanishing under a
// running stream (unbound from its driver), which falls back to the CPU encoder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { closesCameras } from '../helpers/camera.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';
import { decodeFwht, nodeNamed, visibleI420, vividReference } from '../helpers/m2m.js';
import { psnr } from '../helpers/pixels.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';
import { waitFor } from '../helpers/wait.js';

const unavailable = await vividUnavailable();
const NO_OSD = { osd_text_mode: 2 };
const WIDTH = 640;
const HEIGHT = 360;

const ENCODER = unavailable === null ? nodeNamed('stateful-encoder') : undefined;
const DECODER = unavailable === null ? nodeNamed('stateful-decoder') : undefined;
const VIM2M = unavailable === null ? nodeNamed('vim2m') : undefined;
const work = mkdtempSync(join(tmpdir(), 'turbocam-m2m-'));

const closing = closesCameras();
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function nextFrames(camera: Camera, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of camera) {
    frames.push(frame);
    if (frames.length >= count) break;
  }
  return frames;
}

describe.skipIf(unavailable !== null || ENCODER === undefined)('V4L2 M2M encoder (vicodec)', () => {
  // 640x480 is laid out as vicodec wants it: vivid's buffer goes in as a DMABUF, never copied.
  // 640x360 is not a multiple of vicodec's 8-line alignment: its buffer is 368 lines, cropped,
  // so each frame is copied into an MMAP buffer of that height.
  it.each([
    [640, 480, 'zero-copy'],
    [640, 360, 'copied'],
  ])('encodes vivid at %ix%i (%s) through vicodec; vicodec decodes it back within 35 dB of the raw frame', async (width, height, path) => {
    const reference = vividReference(work, width, height);
    expect(reference.length).toBe((width * height * 3) / 2);
    const camera = await openCamera({
      source: DEVICE,
      format: 'i420',
      width,
      height,
      fps: 30,
      controls: NO_OSD,
      encoder: 'm2m-image',
      encoderDevice: ENCODER,
      encoderFormat: 'fwht',
      workers: 2,
    });
    closing(camera);
    const frames = await nextFrames(camera, 10);
    const stats = camera.stats();
    expect(stats.encoder).toMatchObject({ kind: 'm2m-image', chosen: 'm2m-image', device: ENCODER, fallback: null });
    expect(stats.encoder!.hardwareFrames).toBeGreaterThanOrEqual(10);
    if (path === 'zero-copy') {
      expect(stats.encoder!.zeroCopy).toBe(stats.encoder!.hardwareFrames);
      expect(stats.encoder!.copies).toBe(0);
    } else {
      expect(stats.encoder!.copies).toBe(stats.encoder!.hardwareFrames);
      expect(stats.encoder!.zeroCopy).toBe(0);
    }
    // vicodec has both of FWHT's table entries (every frame an I-frame; the quality as a QP).
    expect(stats.encoder!.controls).toEqual({ set: ['gop-size', 'fwht-i-frame-qp'], unsupported: [] });
    const coded = frames.at(-1)!.data;
    // FWHT's frame header starts with its magic, not a JPEG's SOI.
    expect(coded.subarray(0, 4)).toEqual(Buffer.from([0x4f, 0x4f, 0x4f, 0x4f]));
    const decoded = visibleI420(decodeFwht(work, DECODER!, coded), width, height);
    expect(decoded.length).toBe(reference.length);
    expect(psnr(decoded, reference)).toBeGreaterThanOrEqual(35);
  });

  it('m2m-video: the video table (bitrate, GOP) on the same backend; vicodec has no bitrate, said; the output decodes', async () => {
    const reference = vividReference(work, 640, 480);
    const camera = await openCamera({
      source: DEVICE,
      format: 'i420',
      width: 640,
      height: 480,
      fps: 30,
      controls: NO_OSD,
      encoder: 'm2m-video',
      encoderDevice: ENCODER,
      encoderFormat: 'fwht',
      workers: 1,
    });
    closing(camera);
    const frames = await nextFrames(camera, 5);
    expect(camera.stats().encoder).toMatchObject({
      kind: 'm2m-video',
      chosen: 'm2m-video',
      device: ENCODER,
      fallback: null,
      controls: { set: ['gop-size', 'fwht-i-frame-qp'], unsupported: ['bitrate'] },
    });
    // A GOP of one: every frame decodes on its own.
    expect(psnr(decodeFwht(work, DECODER!, frames.at(-1)!.data), reference)).toBeGreaterThanOrEqual(35);
  });

  it('streams at the rate asked: at the 10 fps vivid took, every frame it captures comes out coded', async () => {
    const camera = await openCamera({
      source: DEVICE,
      format: 'yuyv',
      width: WIDTH,
      height: HEIGHT,
      fps: 10,
      controls: NO_OSD,
      encoder: 'm2m-image',
      encoderDevice: ENCODER,
      encoderFormat: 'fwht',
      workers: 2,
    });
    closing(camera);
    expect(camera.info.fps).toBe(10);
    await nextFrames(camera, 2);
    const frames = await nextFrames(camera, 20);
    // Sequence numbers count every frame taken from the device: none skipped means none lost to
    // a slow encoder, so the coded stream runs at the device's rate. (The device's own interval
    // is the emulator's business: a loaded TCG guest stretches it, so no clock is asserted.)
    expect(frames.at(-1)!.sequence - frames[0]!.sequence).toBe(frames.length - 1);
    expect(frames.every((frame) => frame.data.subarray(0, 4).equals(Buffer.from([0x4f, 0x4f, 0x4f, 0x4f])))).toBe(true);
    expect(camera.stats().encoder!.kind).toBe('m2m-image');
  });

  it('refuses a node that substitutes FWHT for JPEG, naming what it gave', async () => {
    const failure = openCamera({
      source: DEVICE,
      format: 'yuyv',
      width: WIDTH,
      height: HEIGHT,
      encoder: 'm2m-image',
      encoderDevice: ENCODER,
    });
    await expect(failure).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_FORMAT', path: ENCODER });
    await expect(failure).rejects.toThrow(/gave FWHT when asked for coded JPEG/);
  });

  it('refuses a node that is no M2M encoder, naming it', async () => {
    const failure = openCamera({
      source: DEVICE,
      format: 'yuyv',
      width: WIDTH,
      height: HEIGHT,
      encoder: 'm2m-image',
      encoderDevice: '/dev/video0',
    });
    await expect(failure).rejects.toMatchObject({ code: 'ERR_NO_M2M_ENCODER', path: '/dev/video0' });
  });

  it('auto finds no JPEG node here (vicodec and vim2m code no JPEG) and says so', async () => {
    const camera = await openCamera({ source: DEVICE, format: 'yuyv', width: WIDTH, height: HEIGHT, encoder: 'auto', controls: NO_OSD });
    closing(camera);
    const [frame] = await nextFrames(camera, 1);
    expect(camera.stats().encoder).toMatchObject({
      kind: 'cpu',
      chosen: 'cpu',
      device: null,
      reason: 'no V4L2 M2M encoder from YUYV to JPEG',
    });
    expect(colourBarMismatches(decodeJpeg(frame!.data), 0.1, 0.9)).toEqual([]);
  });

  it('auto with the FWHT coded format finds vicodec by itself', async () => {
    const camera = await openCamera({
      source: DEVICE,
      format: 'yuyv',
      width: WIDTH,
      height: HEIGHT,
      encoder: 'auto',
      encoderFormat: 'fwht',
    });
    closing(camera);
    await nextFrames(camera, 2);
    expect(camera.stats().encoder).toMatchObject({ kind: 'm2m-image', device: ENCODER });
    expect(camera.stats().encoder!.reason).toMatch(/vicodec/);
  });

  it('falls back to the CPU encoder with one warning when the encoder vanishes, and streams on', async () => {
    const camera = await openCamera({
      source: DEVICE,
      format: 'yuyv',
      width: WIDTH,
      height: HEIGHT,
      fps: 30,
      controls: NO_OSD,
      encoder: 'm2m-image',
      encoderDevice: ENCODER,
      encoderFormat: 'fwht',
      workers: 2,
    });
    closing(camera);
    const warnings: Error[] = [];
    camera.on('warning', (error: Error) => warnings.push(error));
    await nextFrames(camera, 3);
    const warned = waitFor<Error>(camera, 'warning', 60_000);
    // Unbinding vicodec's platform device takes its nodes away under the open file descriptors:
    // every call on them now fails with ENODEV, as an unplugged or crashed encoder would.
    execFileSync('sh', ['-c', 'echo vicodec.0 > /sys/bus/platform/drivers/vicodec/unbind']);
    try {
      await warned;
      // Frames keep coming, now as JPEG from libjpeg-turbo.
      let jpeg: Frame | undefined;
      for await (const frame of camera) {
        if (frame.data[0] === 0xff && frame.data[1] === 0xd8) jpeg = frame;
        if (jpeg) break;
      }
      expect(colourBarMismatches(decodeJpeg(jpeg!.data), 0.1, 0.9)).toEqual([]);
      const encoder = camera.stats().encoder!;
      expect(encoder).toMatchObject({ kind: 'cpu', chosen: 'm2m-image' });
      expect(encoder.fallback).toMatch(/hardware encoder failed/);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ message: expect.stringMatching(/encoding on the CPU/) });
    } finally {
      execFileSync('sh', ['-c', 'echo vicodec.0 > /sys/bus/platform/drivers/vicodec/bind']);
    }
  });

  it.skipIf(VIM2M === undefined)('vim2m codes nothing but raw: refused for m2m-image', async () => {
    const failure = openCamera({
      source: DEVICE,
      format: 'yuyv',
      width: WIDTH,
      height: HEIGHT,
      encoder: 'm2m-image',
      encoderDevice: VIM2M,
    });
    await expect(failure).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_FORMAT', path: VIM2M });
  });
});
