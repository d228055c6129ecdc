// Rotation and flips. Raw formats: the planes the encoder compresses are checked pixel for pixel
// against a reference rotation of the input written here, for every format, rotation and flip,
// at sizes whose width and height are not multiples of 16 (odd heights too). Camera MJPEG: the
// lossless transform decodes to the rotated picture, keeps the quantisation tables (no
// re-encode), and trims less than one MCU only where the MCU grid demands it.
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { encodeSync, testPattern } from '../../src/index.js';
import { native } from '../../src/native.js';
import type { Flip, RawPixelFormatName, Rotation, Subsampling } from '../../src/types.js';

interface Plane {
  width: number;
  height: number;
  /** Bytes per sample: 3 for rgb24/bgr24 pixels. */
  bytes: number;
  data: Buffer;
}

function noise(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const plane = (width: number, height: number, bytes = 1): Plane => ({ width, height, bytes, data: Buffer.alloc(width * height * bytes) });

/** The unrotated planes of a tight frame, as the encoder compresses them, derived from the bytes. */
function referencePlanes(raw: Buffer, format: RawPixelFormatName, w: number, h: number, subsampling: Subsampling | undefined): Plane[] {
  const ch = Math.ceil(h / 2);
  const cw = w / 2;
  switch (format) {
    case 'rgb24':
    case 'bgr24':
      return [{ width: w, height: h, bytes: 3, data: raw.subarray(0, w * h * 3) }];
    case 'grey':
      return [{ width: w, height: h, bytes: 1, data: raw.subarray(0, w * h) }];
    case 'i420': {
      const y = { width: w, height: h, bytes: 1, data: raw.subarray(0, w * h) };
      if (subsampling === 'gray') return [y];
      return [
        y,
        { width: cw, height: ch, bytes: 1, data: raw.subarray(w * h, w * h + cw * ch) },
        { width: cw, height: ch, bytes: 1, data: raw.subarray(w * h + cw * ch, w * h + 2 * cw * ch) },
      ];
    }
    case 'nv12': {
      const y = { width: w, height: h, bytes: 1, data: raw.subarray(0, w * h) };
      if (subsampling === 'gray') return [y];
      const u = plane(cw, ch);
      const v = plane(cw, ch);
      for (let i = 0; i < cw * ch; i += 1) {
        u.data[i] = raw[w * h + 2 * i]!;
        v.data[i] = raw[w * h + 2 * i + 1]!;
      }
      return [y, u, v];
    }
    case 'yuyv':
    case 'uyvy': {
      const [oy, ou, ov] = format === 'yuyv' ? [0, 1, 3] : [1, 0, 2];
      const y = plane(w, h);
      for (let i = 0; i < w * h; i += 1) y.data[i] = raw[2 * i + oy]!;
      if (subsampling === 'gray') return [y];
      const rows = subsampling === '420' ? ch : h;
      const u = plane(cw, rows);
      const v = plane(cw, rows);
      const sample = (row: number, x: number, offset: number): number => raw[row * w * 2 + x * 4 + offset]!;
      for (let r = 0; r < rows; r += 1) {
        for (let x = 0; x < cw; x += 1) {
          if (subsampling === '420') {
            const a = 2 * r;
            const b = Math.min(a + 1, h - 1);
            u.data[r * cw + x] = (sample(a, x, ou) + sample(b, x, ou) + 1) >> 1;
            v.data[r * cw + x] = (sample(a, x, ov) + sample(b, x, ov) + 1) >> 1;
          } else {
            u.data[r * cw + x] = sample(r, x, ou);
            v.data[r * cw + x] = sample(r, x, ov);
          }
        }
      }
      return [y, u, v];
    }
  }
}

/** A quarter turn clockwise, `rotate / 90` times, then the flip: done literally, step by step. */
function rotateReference(p: Plane, rotate: Rotation, flip: Flip | undefined): Plane {
  let current = p;
  for (let turn = 0; turn < rotate / 90; turn += 1) {
    const next = plane(current.height, current.width, current.bytes);
    for (let y = 0; y < current.height; y += 1) {
      for (let x = 0; x < current.width; x += 1) {
        // (x, y) goes to (height - 1 - y, x).
        const to = (x * next.width + (current.height - 1 - y)) * p.bytes;
        current.data.copy(next.data, to, (y * current.width + x) * p.bytes, (y * current.width + x + 1) * p.bytes);
      }
    }
    current = next;
  }
  if (flip === undefined) return current;
  const flipped = plane(current.width, current.height, current.bytes);
  for (let y = 0; y < current.height; y += 1) {
    for (let x = 0; x < current.width; x += 1) {
      const [tx, ty] = flip === 'h' ? [current.width - 1 - x, y] : [x, current.height - 1 - y];
      current.data.copy(
        flipped.data,
        (ty * current.width + tx) * p.bytes,
        (y * current.width + x) * p.bytes,
        (y * current.width + x + 1) * p.bytes,
      );
    }
  }
  return flipped;
}

function frameSize(format: RawPixelFormatName, w: number, h: number): number {
  const chroma = 2 * (w / 2) * Math.ceil(h / 2);
  return { yuyv: w * h * 2, uyvy: w * h * 2, nv12: w * h + chroma, i420: w * h + chroma, rgb24: w * h * 3, bgr24: w * h * 3, grey: w * h }[
    format
  ];
}

const ORIENTATIONS: Array<[Rotation, Flip | undefined]> = [
  [90, undefined],
  [180, undefined],
  [270, undefined],
  [0, 'h'],
  [0, 'v'],
  [90, 'h'],
  [90, 'v'],
  [180, 'h'],
  [270, 'h'],
  [270, 'v'],
];
const TJSAMP = { '444': 0, '422': 1, '420': 2, gray: 3, '440': 4 } as const;

const CASES: Array<[RawPixelFormatName, Subsampling | undefined, number, number]> = [
  ['yuyv', undefined, 50, 38],
  ['yuyv', undefined, 46, 31],
  ['yuyv', '420', 50, 37],
  ['yuyv', 'gray', 50, 38],
  ['uyvy', undefined, 50, 37],
  ['nv12', undefined, 50, 38],
  ['nv12', undefined, 46, 31],
  ['i420', undefined, 50, 37],
  ['rgb24', undefined, 45, 31],
  ['bgr24', undefined, 45, 31],
  ['grey', undefined, 45, 31],
];

describe('raw frames: the planes before compression match a reference rotation', () => {
  for (const [format, subsampling, w, h] of CASES) {
    it.each(ORIENTATIONS)(
      `${format}${subsampling === undefined ? '' : ` (${subsampling})`} ${w}x${h}, rotate %i flip %s`,
      (rotate, flip) => {
        const raw = noise(frameSize(format, w, h), w * 31 + h + rotate);
        const got = native.orientedPlanesForTest(raw, w, h, format, 80, subsampling, undefined, rotate, flip);
        const swap = rotate === 90 || rotate === 270;
        expect([got.width, got.height]).toEqual(swap ? [h, w] : [w, h]);
        const expected = referencePlanes(raw, format, w, h, subsampling).map((p) => rotateReference(p, rotate, flip));
        expect(got.planes.length).toBe(expected.length);
        got.planes.forEach((p, i) => {
          expect([p.width, p.height], `plane ${i} size`).toEqual([expected[i]!.width, expected[i]!.height]);
          expect(p.data.equals(expected[i]!.data), `plane ${i} pixels`).toBe(true);
        });
        // Packed 4:2:2 on its side is 4:4:0; everything else keeps its subsampling.
        if ((format === 'yuyv' || format === 'uyvy') && subsampling === undefined)
          expect(got.samp).toBe(swap ? TJSAMP['440'] : TJSAMP['422']);
      },
    );
  }
});

function decode(data: Buffer): { width: number; height: number; data: Uint8Array } {
  return jpeg.decode(data, { useTArray: true, formatAsRGBA: true });
}

/** The RGBA image rotated and flipped, by the same literal reference. */
function rotateRgba(
  image: { width: number; height: number; data: Uint8Array },
  rotate: Rotation,
  flip: Flip | undefined,
): { width: number; height: number; data: Uint8Array } {
  const turned = rotateReference({ width: image.width, height: image.height, bytes: 4, data: Buffer.from(image.data) }, rotate, flip);
  return { width: turned.width, height: turned.height, data: turned.data };
}

/** Mean absolute difference of `small` against `big` at offset (dx, dy), over RGB. */
function meanDiff(
  big: { width: number; data: Uint8Array },
  small: { width: number; height: number; data: Uint8Array },
  dx: number,
  dy: number,
): number {
  let sum = 0;
  for (let y = 0; y < small.height; y += 1) {
    for (let x = 0; x < small.width; x += 1) {
      for (let c = 0; c < 3; c += 1)
        sum += Math.abs(small.data[(y * small.width + x) * 4 + c]! - big.data[((y + dy) * big.width + x + dx) * 4 + c]!);
    }
  }
  return sum / (small.width * small.height * 3);
}

describe('raw frames: the JPEG is the rotated picture', () => {
  it.each(ORIENTATIONS)('yuyv 50x38 rotate %i flip %s', (rotate, flip) => {
    const raw = testPattern({ width: 50, height: 38, format: 'yuyv', frame: 3 });
    const reference = rotateRgba(decode(encodeSync(raw, { width: 50, height: 38, format: 'yuyv', quality: 95 })), rotate, flip);
    const turned = decode(encodeSync(raw, { width: 50, height: 38, format: 'yuyv', quality: 95, rotate, flip }));
    expect([turned.width, turned.height]).toEqual([reference.width, reference.height]);
    expect(meanDiff(reference, turned, 0, 0)).toBeLessThan(4);
  });
});

// Natural (row-major) index of each coefficient in zigzag order.
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** The 8-bit quantisation tables of a JPEG by id, in natural order; `transpose` swaps rows and
 *  columns, as a lossless 90-degree transform must. Equal tables mean no re-quantisation. */
function quantTables(data: Buffer, transpose = false): number[][] {
  const tables: number[][] = [];
  for (let at = 2; at + 4 < data.length;) {
    const marker = data[at + 1]!;
    const length = data.readUInt16BE(at + 2);
    if (marker === 0xda) break;
    if (marker === 0xdb) {
      for (let t = at + 4; t + 65 <= at + 2 + length; t += 65) {
        const natural = new Array<number>(64);
        ZIGZAG.forEach((n, k) => (natural[n] = data[t + 1 + k]!));
        tables[data[t]! & 0x0f] = transpose ? natural.map((_, i) => natural[(i % 8) * 8 + Math.floor(i / 8)]!) : natural;
      }
    }
    at += 2 + length;
  }
  return tables;
}

describe('camera MJPEG: a lossless transform, trimmed by less than one MCU where needed', () => {
  const cases: Array<[string, Subsampling, number, number, number, number]> = [
    ['4:2:0, 50x38', '420', 50, 38, 16, 16],
    ['4:2:2, 46x31', '422', 46, 31, 16, 8],
    ['4:4:4, 45x29', '444', 45, 29, 8, 8],
    ['4:2:0 on the MCU grid, 48x32', '420', 48, 32, 16, 16],
  ];
  for (const [name, subsampling, w, h, mcuW, mcuH] of cases) {
    it.each(ORIENTATIONS)(`${name}: rotate %i flip %s`, (rotate, flip) => {
      const source = encodeSync(testPattern({ width: w, height: h, format: 'rgb24', frame: 5 }), {
        width: w,
        height: h,
        format: 'rgb24',
        quality: 90,
        subsampling,
      });
      const turned = encodeSync(source, { width: w, height: h, format: 'mjpeg', rotate, flip });
      const reference = rotateRgba(decode(source), rotate, flip);
      const image = decode(turned);
      // Less than one MCU (in the turned picture's axes) may go, and only where the grid is partial.
      const swap = rotate === 90 || rotate === 270;
      expect(quantTables(turned)).toEqual(quantTables(source, swap));
      const [mw, mh] = swap ? [mcuH, mcuW] : [mcuW, mcuH];
      expect(reference.width - image.width).toBeGreaterThanOrEqual(0);
      expect(reference.width - image.width).toBeLessThan(mw);
      expect(reference.height - image.height).toBeGreaterThanOrEqual(0);
      expect(reference.height - image.height).toBeLessThan(mh);
      if (w % mcuW === 0 && h % mcuH === 0) expect([image.width, image.height]).toEqual([reference.width, reference.height]);
      // The kept part is the rotated picture, wherever the trim took its edge from.
      let best = Infinity;
      for (let dy = 0; dy <= reference.height - image.height; dy += 1) {
        for (let dx = 0; dx <= reference.width - image.width; dx += 1) best = Math.min(best, meanDiff(reference, image, dx, dy));
      }
      expect(best).toBeLessThan(1.5);
    });
  }
});
