// Every raw format through the encoder and back through an independent decoder (jpeg-js).
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { encode, encodeSync, testPattern } from '../../src/index.js';
import type { RawPixelFormatName } from '../../src/index.js';
import { subsamplingOf } from '../helpers/jpeg-markers.js';
import { frameToRgb, psnr, tightStride, withStride } from '../helpers/pixels.js';

const FORMATS: RawPixelFormatName[] = ['yuyv', 'uyvy', 'nv12', 'i420', 'rgb24', 'bgr24', 'grey'];
// A multiple of the MCU, and one with partial MCUs in both directions (odd height included).
const SIZES: Array<[number, number]> = [
  [128, 96],
  [322, 181],
];

function decode(data: Uint8Array): { width: number; height: number; data: Uint8Array } {
  return jpeg.decode(data, { useTArray: true, formatAsRGBA: false });
}

function firstChannel(rgb: Uint8Array): Uint8Array {
  return rgb.filter((_, i) => i % 3 === 0);
}

function lumaOf(rgb: Uint8Array): Uint8Array {
  const luma = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < luma.length; i++) {
    luma[i] = Math.round(0.299 * (rgb[3 * i] ?? 0) + 0.587 * (rgb[3 * i + 1] ?? 0) + 0.114 * (rgb[3 * i + 2] ?? 0));
  }
  return luma;
}

// RGB input keeps full-resolution chroma, so its fidelity is measured at 4:4:4; the YUV formats'
// own subsampling is what they carry, so they are measured at their default.
function fidelitySubsampling(format: RawPixelFormatName): '444' | undefined {
  return format === 'rgb24' || format === 'bgr24' ? '444' : undefined;
}

describe('encode round trip', () => {
  for (const format of FORMATS) {
    for (const [width, height] of SIZES) {
      it(`${format} ${width}x${height} decodes to the source pixels at quality 90`, async () => {
        const frame = testPattern({ width, height, format, frame: 7 });
        const out = await encode(frame, { width, height, format, quality: 90, subsampling: fidelitySubsampling(format) });
        const decoded = decode(out);
        expect([decoded.width, decoded.height]).toEqual([width, height]);
        const source = frameToRgb(frame, format, width, height);
        const quality = format === 'grey' ? psnr(firstChannel(source), firstChannel(decoded.data)) : psnr(source, decoded.data);
        expect(quality).toBeGreaterThanOrEqual(35);
      });
    }
  }

  it('yuyv encoded as 4:2:0 on request keeps the picture', async () => {
    const [width, height] = [322, 181];
    const frame = testPattern({ width, height, format: 'yuyv', frame: 3 });
    const out = await encode(frame, { width, height, format: 'yuyv', quality: 90, subsampling: '420' });
    expect(subsamplingOf(out)).toBe('2x2');
    expect(psnr(frameToRgb(frame, 'yuyv', width, height), decode(out).data)).toBeGreaterThanOrEqual(35);
  });

  for (const format of ['rgb24', 'bgr24'] as RawPixelFormatName[]) {
    it(`${format} at its default 4:2:0 keeps the luma at quality 90`, async () => {
      const [width, height] = [322, 181];
      const frame = testPattern({ width, height, format, frame: 5 });
      const decoded = decode(await encode(frame, { width, height, format, quality: 90 }));
      expect([decoded.width, decoded.height]).toEqual([width, height]);
      expect(psnr(lumaOf(frameToRgb(frame, format, width, height)), lumaOf(decoded.data))).toBeGreaterThanOrEqual(35);
    });
  }

  // Same samples in another layout must give the very same JPEG: a precise check of the repacking.
  for (const [a, b, subsampling] of [
    ['yuyv', 'uyvy', '422'],
    ['yuyv', 'uyvy', '420'],
    ['nv12', 'i420', '420'],
    ['rgb24', 'bgr24', '444'],
  ] as Array<[RawPixelFormatName, RawPixelFormatName, '444' | '422' | '420']>) {
    it(`${a} and ${b} frames of one picture encode to identical ${subsampling} JPEGs`, () => {
      const [width, height] = [322, 181];
      const jpegs = [a, b].map((format) =>
        encodeSync(testPattern({ width, height, format, frame: 4 }), { width, height, format, subsampling }),
      );
      expect(jpegs[0]?.equals(jpegs[1] as Buffer)).toBe(true);
    });
  }

  for (const format of ['yuyv', 'nv12', 'i420'] as RawPixelFormatName[]) {
    it(`${format} encoded as gray keeps the luma`, () => {
      const [width, height] = [322, 181];
      const frame = testPattern({ width, height, format, frame: 8 });
      const decoded = decode(encodeSync(frame, { width, height, format, quality: 90, subsampling: 'gray' }));
      expect([decoded.width, decoded.height]).toEqual([width, height]);
      // The source's own luma samples: every other byte of yuyv, the first plane of nv12/i420.
      const luma = format === 'yuyv' ? frame.filter((_, i) => i % 2 === 0) : frame.subarray(0, width * height);
      expect(psnr(luma, firstChannel(decoded.data))).toBeGreaterThanOrEqual(35);
    });
  }

  it('4:2:0 from yuyv averages the chroma of each pair of lines', () => {
    // Chroma alternating per line between two opposite colours averages to neutral grey; taking
    // either line alone would give a strong cast.
    const [width, height] = [64, 32];
    const frame = Buffer.alloc(width * height * 2);
    for (let y = 0; y < height; y++) {
      const [u, v] = y % 2 === 0 ? [60, 200] : [196, 56];
      for (let x = 0; x < width; x += 2) frame.set([128, u, 128, v], y * width * 2 + x * 2);
    }
    const rgb = decode(encodeSync(frame, { width, height, format: 'yuyv', quality: 95, subsampling: '420' })).data;
    let cast = 0;
    for (let i = 0; i < rgb.length; i += 3) cast = Math.max(cast, Math.abs((rgb[i] ?? 0) - (rgb[i + 2] ?? 0)));
    expect(cast).toBeLessThanOrEqual(8);
  });

  it('a frame that is a view at an offset into a larger buffer encodes like a standalone one', async () => {
    const frame = testPattern({ width: 96, height: 64, format: 'nv12', frame: 6 });
    const view = Buffer.concat([Buffer.alloc(333, 0x77), frame]).subarray(333);
    const options = { width: 96, height: 64, format: 'nv12' } as const;
    expect((await encode(view, options)).equals(encodeSync(frame, options))).toBe(true);
  });

  it('encodeSync gives the same JPEG as encode', async () => {
    const frame = testPattern({ width: 128, height: 96, format: 'uyvy', frame: 1 });
    const options = { width: 128, height: 96, format: 'uyvy', quality: 75 } as const;
    expect(encodeSync(frame, options)).toEqual(await encode(frame, options));
  });

  // Padded lines must give exactly the JPEG of the tight frame: the padding is never read.
  for (const format of ['yuyv', 'nv12', 'i420', 'rgb24', 'grey'] as RawPixelFormatName[]) {
    it(`${format} with a padded stride encodes like the tight frame`, () => {
      const [width, height] = [100, 50];
      const frame = testPattern({ width, height, format, frame: 2 });
      const stride = tightStride(format, width) + 28;
      const padded = withStride(frame, format, width, height, stride);
      const tight = encodeSync(frame, { width, height, format, quality: 85 });
      expect(encodeSync(padded, { width, height, format, quality: 85, stride })).toEqual(tight);
    });
  }
});

describe('output subsampling in the frame header', () => {
  const cases: Array<[RawPixelFormatName, '444' | '422' | '420' | 'gray' | undefined, string]> = [
    ['yuyv', undefined, '2x1'],
    ['uyvy', undefined, '2x1'],
    ['yuyv', '422', '2x1'],
    ['yuyv', '420', '2x2'],
    ['uyvy', '420', '2x2'],
    ['nv12', undefined, '2x2'],
    ['i420', undefined, '2x2'],
    ['rgb24', undefined, '2x2'],
    ['rgb24', '444', '1x1'],
    ['bgr24', '422', '2x1'],
    ['grey', undefined, 'gray'],
    ['yuyv', 'gray', 'gray'],
  ];
  for (const [format, subsampling, expected] of cases) {
    it(`${format} with subsampling ${subsampling ?? 'default'} is ${expected} in the SOF`, () => {
      const frame = testPattern({ width: 64, height: 48, format });
      const out = encodeSync(frame, { width: 64, height: 48, format, subsampling });
      expect(subsamplingOf(out)).toBe(expected);
    });
  }
});
