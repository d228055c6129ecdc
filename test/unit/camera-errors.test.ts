// Sources that are not cameras get stable codes naming the path, before any thread starts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';

describe('bad sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turbocam-bad-'));
  const file = join(dir, 'frames.bin');
  writeFileSync(file, Buffer.alloc(1000));

  it('/dev/null is not a capture device', async () => {
    await expect(openCamera({ source: '/dev/null' })).rejects.toMatchObject({ code: 'ERR_NOT_CAPTURE_DEVICE', path: '/dev/null' });
  });

  it('a missing path is ENOENT', async () => {
    await expect(openCamera({ source: '/dev/video-missing-42' })).rejects.toMatchObject({ code: 'ENOENT', path: '/dev/video-missing-42' });
  });

  it('a regular file without a declared format is not a capture device, and the message says what to do', async () => {
    const error = await openCamera({ source: file }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_NOT_CAPTURE_DEVICE', path: file });
    expect((error as Error).message).toMatch(/regular file.*format/);
  });

  it('a directory is not a capture device', async () => {
    await expect(openCamera({ source: dir })).rejects.toMatchObject({ code: 'ERR_NOT_CAPTURE_DEVICE', path: dir });
  });

  it('raw frames from a file need width and height', async () => {
    await expect(openCamera({ source: file, format: 'i420' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', path: file });
  });

  it('an unknown format is ERR_UNSUPPORTED_FORMAT', async () => {
    await expect(openCamera({ source: 'testsrc', format: 'h264' as never })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_FORMAT' });
  });
});

describe('encoder choice', () => {
  it('an unknown encoder or coded format, or an empty encoder device, is ERR_INVALID_ARG', async () => {
    await expect(openCamera({ source: 'testsrc', encoder: 'gpu' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(openCamera({ source: 'testsrc', encoder: 'auto', encoderFormat: 'h264' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
    });
    await expect(openCamera({ source: 'testsrc', encoderDevice: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    // JPEG is an image encoder's format, MJPEG a video encoder's.
    await expect(openCamera({ source: 'testsrc', encoder: 'm2m-video', encoderFormat: 'jpeg' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
    });
    await expect(openCamera({ source: 'testsrc', encoder: 'm2m-image', encoderFormat: 'mjpeg' })).rejects.toThrow(
      /not for an image encoder/,
    );
  });

  it('m2m-video with a missing node is ERR_NO_M2M_ENCODER naming it and the MJPEG it would code', async () => {
    const missing = openCamera({ source: 'testsrc', encoder: 'm2m-video', encoderDevice: '/dev/video-missing-11' });
    await expect(missing).rejects.toMatchObject({ code: 'ERR_NO_M2M_ENCODER', path: '/dev/video-missing-11' });
    await expect(missing).rejects.toThrow(/no V4L2 M2M encoder from YUYV to MJPG at \/dev\/video-missing-11/);
  });

  it('m2m-image with a missing node is ERR_NO_M2M_ENCODER naming it; a node that is no V4L2 device too', async () => {
    const missing = openCamera({ source: 'testsrc', encoder: 'm2m-image', encoderDevice: '/dev/video-missing-31' });
    await expect(missing).rejects.toMatchObject({ code: 'ERR_NO_M2M_ENCODER', path: '/dev/video-missing-31' });
    await expect(missing).rejects.toThrow(/no V4L2 M2M encoder from YUYV to JPEG at \/dev\/video-missing-31/);
    await expect(openCamera({ source: 'testsrc', encoder: 'm2m-image', encoderDevice: '/dev/null' })).rejects.toMatchObject({
      code: 'ERR_NO_M2M_ENCODER',
      path: '/dev/null',
    });
  });

  it('the CPU encoder by default, said in stats', async () => {
    const camera = await openCamera({ source: 'testsrc', width: 160, height: 120 });
    try {
      expect(camera.stats().encoder).toEqual({
        kind: 'cpu',
        chosen: 'cpu',
        device: null,
        reason: 'asked for',
        fallback: null,
        hardwareFrames: 0,
        copies: 0,
        zeroCopy: 0,
        controls: { set: [], unsupported: [] },
      });
    } finally {
      await camera.close();
    }
  });
});

describe('a closed camera', () => {
  it('refuses use after close() with ERR_CLOSED and its path', async () => {
    const camera = await openCamera({ source: 'testsrc', width: 64, height: 48 });
    await camera.close();
    await expect(camera.controls.list()).rejects.toMatchObject({ code: 'ERR_CLOSED', path: 'testsrc' });
    await expect(camera.controls.set('brightness', 1)).rejects.toMatchObject({ code: 'ERR_CLOSED', path: 'testsrc' });
  });
});
