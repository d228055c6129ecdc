// Reference pixel maths for the tests, written from the format definitions and the JFIF
// (BT.601 full-range) formulas, independent of the native code.
import type { RawPixelFormatName } from '../../src/types.js';

function clamp(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v)));
}

function yuvToRgb(y: number, cb: number, cr: number): [number, number, number] {
  return [clamp(y + 1.402 * (cr - 128)), clamp(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128)), clamp(y + 1.772 * (cb - 128))];
}

const byteAt = (data: Uint8Array, i: number): number => data[i] ?? 0;

/** Tight-stride bytes per line of the first plane. */
export function tightStride(format: RawPixelFormatName, width: number): number {
  return { yuyv: 2, uyvy: 2, nv12: 1, i420: 1, rgb24: 3, bgr24: 3, grey: 1 }[format] * width;
}

/** The frame as packed RGB (grey: luma replicated), each chroma sample applied to the pixels it
 *  covers. `stride` is the first plane's bytes per line. */
export function frameToRgb(
  data: Uint8Array,
  format: RawPixelFormatName,
  width: number,
  height: number,
  stride = tightStride(format, width),
): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  const lumaSize = stride * height;
  const chromaRows = Math.ceil(height / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let pixel: [number, number, number];
      const line = y * stride;
      switch (format) {
        case 'rgb24':
          pixel = [byteAt(data, line + 3 * x), byteAt(data, line + 3 * x + 1), byteAt(data, line + 3 * x + 2)];
          break;
        case 'bgr24':
          pixel = [byteAt(data, line + 3 * x + 2), byteAt(data, line + 3 * x + 1), byteAt(data, line + 3 * x)];
          break;
        case 'grey': {
          const luma = byteAt(data, line + x);
          pixel = [luma, luma, luma];
          break;
        }
        case 'yuyv':
        case 'uyvy': {
          const pair = line + 4 * (x >> 1);
          const [yo, uo, vo] = format === 'yuyv' ? [0, 1, 3] : [1, 0, 2];
          pixel = yuvToRgb(byteAt(data, line + 2 * x + yo), byteAt(data, pair + uo), byteAt(data, pair + vo));
          break;
        }
        case 'nv12': {
          const c = lumaSize + (y >> 1) * stride + 2 * (x >> 1);
          pixel = yuvToRgb(byteAt(data, line + x), byteAt(data, c), byteAt(data, c + 1));
          break;
        }
        case 'i420': {
          const cs = stride >> 1;
          const c = (y >> 1) * cs + (x >> 1);
          const u = byteAt(data, lumaSize + c);
          const v = byteAt(data, lumaSize + cs * chromaRows + c);
          pixel = yuvToRgb(byteAt(data, line + x), u, v);
          break;
        }
      }
      rgb.set(pixel, 3 * (y * width + x));
    }
  }
  return rgb;
}

/** PSNR in dB of two equally long 8-bit sample arrays (Infinity when identical). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`psnr: lengths differ (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = byteAt(a, i) - byteAt(b, i);
    sum += d * d;
  }
  if (sum === 0) return Infinity;
  return 10 * Math.log10((255 * 255) / (sum / a.length));
}

/** Copies a tight frame into one whose every first-plane line is `stride` bytes (chroma planes
 *  follow the house rules: nv12 at stride, i420 at stride/2), padding filled with noise. */
export function withStride(data: Uint8Array, format: RawPixelFormatName, width: number, height: number, stride: number): Buffer {
  const tight = tightStride(format, width);
  const planes: Array<{ rows: number; from: number; to: number }> = [{ rows: height, from: tight, to: stride }];
  const chromaRows = Math.ceil(height / 2);
  if (format === 'nv12') planes.push({ rows: chromaRows, from: tight, to: stride });
  if (format === 'i420') planes.push({ rows: 2 * chromaRows, from: tight / 2, to: stride / 2 });
  const out = Buffer.alloc(planes.reduce((n, p) => n + p.rows * p.to, 0));
  for (let i = 0; i < out.length; i++) out[i] = (i * 131) & 0xff;
  let src = 0;
  let dst = 0;
  for (const plane of planes) {
    for (let row = 0; row < plane.rows; row++) {
      out.set(data.subarray(src, src + plane.from), dst);
      src += plane.from;
      dst += plane.to;
    }
  }
  return out;
}
