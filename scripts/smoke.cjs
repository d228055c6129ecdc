// The smoke test of every build: x64 (cmake-js, node-gyp, prebuilds) and, run by cross/smoke.sh
// under qemu-user, the ARM ones with Debian's own nodejs (18.x, so plain
// CommonJS and no dist/): loads one addon file directly, encodes the test pattern in every raw
// format, decodes with jpeg-js (pure JS, independent of our code) and checks PSNR against the
// source pixels, the same bar as the x86 suite: >= 35 dB at quality 90.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const jpeg = require('jpeg-js');

// An addon file, or a package root whose prebuilds/ node-gyp-build chooses from as an installed
// package would (tags napi, armv, libc checked against this very Node).
const target = path.resolve(process.argv[2] ?? '');
const addonPath = fs.statSync(target).isDirectory() ? require('node-gyp-build').path(target) : target;
const addon = require(addonPath);

const WIDTH = 320;
const HEIGHT = 240;
const QUALITY = 90;
const MIN_PSNR = 35;

const clamp = (x) => (x < 0 ? 0 : x > 255 ? 255 : Math.round(x));

// JFIF full-range YCbCr -> RGB, what a JPEG decoder does, applied to the source's own samples.
function yuvToRgb(y, u, v) {
  return [clamp(y + 1.402 * (v - 128)), clamp(y - 0.344136 * (u - 128) - 0.714136 * (v - 128)), clamp(y + 1.772 * (u - 128))];
}

// The source frame as RGB triplets (or one luma value per pixel for grey), from its raw layout.
function referencePixels(format, raw, w, h) {
  const out = new Uint8Array(w * h * 3);
  const put = (x, y, rgb) => out.set(rgb, (y * w + x) * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const pair = y * w * 2 + (x >> 1) * 4;
      const chroma = (y >> 1) * (w >> 1) + (x >> 1);
      switch (format) {
        case 'rgb24':
          put(x, y, raw.subarray(i * 3, i * 3 + 3));
          break;
        case 'bgr24':
          put(x, y, [raw[i * 3 + 2], raw[i * 3 + 1], raw[i * 3]]);
          break;
        case 'grey':
          put(x, y, [raw[i], raw[i], raw[i]]);
          break;
        case 'yuyv':
          put(x, y, yuvToRgb(raw[pair + (x & 1) * 2], raw[pair + 1], raw[pair + 3]));
          break;
        case 'uyvy':
          put(x, y, yuvToRgb(raw[pair + 1 + (x & 1) * 2], raw[pair], raw[pair + 2]));
          break;
        case 'i420': {
          const u = w * h + chroma;
          put(x, y, yuvToRgb(raw[i], raw[u], raw[u + (w >> 1) * (h >> 1)]));
          break;
        }
        case 'nv12': {
          const uv = w * h + (y >> 1) * w + (x >> 1) * 2;
          put(x, y, yuvToRgb(raw[i], raw[uv], raw[uv + 1]));
          break;
        }
        default:
          throw new Error(`smoke: no reference conversion for ${format}`);
      }
    }
  }
  return out;
}

function psnr(reference, decoded, w, h) {
  let sum = 0;
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) {
      const d = reference[i * 3 + c] - decoded[i * 4 + c];
      sum += d * d;
    }
  }
  const mse = sum / (w * h * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

const rawFormats = addon.formats.map((f) => f.name).filter((name) => name !== 'mjpeg');
assert.ok(rawFormats.length >= 7, `smoke: format table too short: ${rawFormats.join(', ')}`);

const results = [];
for (const format of rawFormats) {
  // Frame 7, not 0: the moving parts are away from their start, so a stale buffer shows.
  const raw = addon.testPattern(WIDTH, HEIGHT, format, 7);
  const encoded = addon.encodeSync(raw, WIDTH, HEIGHT, format, QUALITY, undefined, undefined);
  assert.ok(encoded[0] === 0xff && encoded[1] === 0xd8, `smoke: ${format}: output is not a JPEG`);
  const image = jpeg.decode(encoded, { useTArray: true, formatAsRGBA: true });
  assert.strictEqual(image.width, WIDTH, `smoke: ${format}: decoded width`);
  assert.strictEqual(image.height, HEIGHT, `smoke: ${format}: decoded height`);
  const db = psnr(referencePixels(format, raw, WIDTH, HEIGHT), image.data, WIDTH, HEIGHT);
  results.push(`${format} ${db.toFixed(1)} dB`);
  // The same frame one byte past an aligned address must give the same JPEG: no kernel may assume
  // its input is word-aligned (on ARMv7 some such loads fault, elsewhere they are only slower).
  const shifted = new Uint8Array(raw.length + 1).subarray(1);
  shifted.set(raw);
  const again = addon.encodeSync(shifted, WIDTH, HEIGHT, format, QUALITY, undefined, undefined);
  assert.ok(Buffer.compare(again, encoded) === 0, `smoke: ${format}: a misaligned input encodes differently`);
  assert.ok(db >= MIN_PSNR, `smoke: ${format}: PSNR ${db.toFixed(2)} dB < ${MIN_PSNR} dB`);
}

console.log(
  `smoke (${process.arch}, node ${process.version}, ${path.relative(process.cwd(), addonPath)}): ${rawFormats.length} formats, ${results.join(', ')}`,
);

// 43691 x 32768 rgb24 needs 2^32 + 32768 bytes: where size_t is 32 bits (armhf) a size check that
// wraps sees 32768 and lets a 64 KiB buffer through to an out-of-bounds read. It must be refused.
console.log('smoke: encoding a frame whose size overflows 32-bit arithmetic (a crash here is that bug)');
assert.throws(
  () => addon.encodeSync(new Uint8Array(65536), 43691, 32768, 'rgb24', QUALITY, undefined, undefined),
  (error) => typeof error.code === 'string' && error.code.startsWith('ERR_'),
);
console.log('smoke: oversized frame refused');
