// The built-in source: the same moving picture in every raw format.
import { describe, expect, it } from 'vitest';
import { testPattern } from '../../src/index.js';
import type { RawPixelFormatName } from '../../src/index.js';
import { frameToRgb, psnr } from '../helpers/pixels.js';

const FORMATS: RawPixelFormatName[] = ['yuyv', 'uyvy', 'nv12', 'i420', 'rgb24', 'bgr24', 'grey'];

function expectedSize(format: RawPixelFormatName, width: number, height: number): number {
  const chroma = 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
  return {
    yuyv: 2 * width * height,
    uyvy: 2 * width * height,
    nv12: width * height + chroma,
    i420: width * height + chroma,
    rgb24: 3 * width * height,
    bgr24: 3 * width * height,
    grey: width * height,
  }[format];
}

function greyOf(rgb: Uint8Array): Uint8Array {
  const luma = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < luma.length; i++) {
    luma[i] = Math.round(0.299 * (rgb[3 * i] ?? 0) + 0.587 * (rgb[3 * i + 1] ?? 0) + 0.114 * (rgb[3 * i + 2] ?? 0));
  }
  return luma;
}

describe('test pattern', () => {
  for (const format of FORMATS) {
    it(`${format}: a tight frame, the same picture as rgb24, moving from frame to frame`, () => {
      const [width, height] = [320, 181];
      const frame = testPattern({ width, height, format, frame: 10 });
      expect(frame.length).toBe(expectedSize(format, width, height));
      // Every format renders the same scene (allowing for chroma subsampling and rounding).
      const reference = frameToRgb(testPattern({ width, height, format: 'rgb24', frame: 10 }), 'rgb24', width, height);
      const rgb = frameToRgb(frame, format, width, height);
      const similarity = format === 'grey' ? psnr(greyOf(reference), greyOf(rgb)) : psnr(reference, rgb);
      expect(similarity).toBeGreaterThanOrEqual(30);
      expect(testPattern({ width, height, format, frame: 10 }).equals(frame)).toBe(true);
      expect(testPattern({ width, height, format, frame: 11 }).equals(frame)).toBe(false);
    });
  }

  it('every YUV format and grey carry the very same luma samples', () => {
    const [width, height] = [322, 181];
    const grey = testPattern({ width, height, format: 'grey', frame: 21 });
    const lumaOf: Record<string, (f: Buffer) => Uint8Array> = {
      yuyv: (f) => f.filter((_, i) => i % 2 === 0),
      uyvy: (f) => f.filter((_, i) => i % 2 === 1),
      nv12: (f) => f.subarray(0, width * height),
      i420: (f) => f.subarray(0, width * height),
    };
    for (const [format, luma] of Object.entries(lumaOf)) {
      const frame = testPattern({ width, height, format: format as RawPixelFormatName, frame: 21 });
      expect(Buffer.from(luma(frame)).equals(grey)).toBe(true);
    }
  });

  it('the counter and the box change the picture with every frame number', () => {
    const frames = [0, 1, 2, 1000, 123456].map((n) => testPattern({ width: 160, height: 120, format: 'rgb24', frame: n }));
    const distinct = new Set(frames.map((f) => f.toString('base64')));
    expect(distinct.size).toBe(frames.length);
  });

  it('rejects what it cannot render', () => {
    expect(() => testPattern({ width: 63, height: 48, format: 'yuyv' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => testPattern({ width: 0, height: 48, format: 'grey' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => testPattern({ width: 64, height: 48, format: 'mjpeg' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT' }),
    );
    expect(() => testPattern({ width: 64, height: 48, format: 'grey', frame: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
  });
});
