import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';
import { encodeSync, openCamera } from '../../src/index.js';
import { native } from '../../src/native.js';
import { PIXEL_FORMATS, SUBSAMPLINGS } from '../../src/types.js';

describe('pixel-format table', () => {
  it('names every format of the API with its V4L2 fourcc', () => {
    const table = Object.fromEntries(native.formats.map((format) => [format.name, format.fourcc]));
    expect(table).toEqual({
      yuyv: 'YUYV',
      uyvy: 'UYVY',
      nv12: 'NV12',
      i420: 'YU12',
      rgb24: 'RGB3',
      bgr24: 'BGR3',
      grey: 'GREY',
      mjpeg: 'MJPG',
    });
  });
});

describe('the TypeScript lists of the native tables', () => {
  it('PIXEL_FORMATS names the native formats, in their order', () => {
    expect([...PIXEL_FORMATS]).toEqual(native.formats.map((format) => format.name));
  });

  it('SUBSAMPLINGS names the native subsamplings, in their order', () => {
    expect([...SUBSAMPLINGS]).toEqual(native.subsamplings);
  });

  it('the CLI, encode and openCamera accept exactly these formats', async () => {
    for (const format of ['auto', ...PIXEL_FORMATS]) expect(parseCli(['--format', format]).format).toBe(format);
    expect(() => parseCli(['--format', 'h264'])).toThrow(expect.objectContaining({ code: 'ERR_BAD_FLAG' }));
    const frame = Buffer.alloc(16 * 16 * 3);
    for (const format of PIXEL_FORMATS) {
      // Known formats get past the name check (the frame itself may still be wrong for mjpeg).
      expect(() => encodeSync(frame, { width: 16, height: 16, format })).not.toThrow(
        expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT' }),
      );
    }
    expect(() => encodeSync(frame, { width: 16, height: 16, format: 'h264' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT' }),
    );
    await expect(openCamera({ source: 'testsrc', format: 'h264' as never })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_FORMAT' });
  });
});
