// The raw frames every contestant encodes: turbocam's own test pattern when the build has it
// (dumped to bench/.build so the C ceiling and ffmpeg read the very same bytes), and the RGB / RGBA
// forms of those pixels for encoders that take only RGB (sharp, @julusian/jpeg-turbo, jpeg-js).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FORMATS = ['yuyv', 'nv12', 'rgb24'];

export function frameSize(format, width, height) {
  if (format === 'yuyv') return width * height * 2;
  if (format === 'nv12') return (width * height * 3) / 2;
  if (format === 'rgb24') return width * height * 3;
  throw new Error(`bench: no frame size for ${format}`);
}

/** turbocam's test pattern for frame `index`, or null when the built library has no testPattern. */
export async function turbocamPattern(format, width, height, index = 0) {
  const lib = await loadTurbocam();
  if (!lib?.testPattern) return null;
  return lib.testPattern({ width, height, format, frame: index });
}

let turbocam;
/** The built library (dist/index.js), or null with the reason kept in `loadError`. */
export async function loadTurbocam() {
  if (turbocam !== undefined) return turbocam;
  try {
    turbocam = await import('../../dist/index.js');
  } catch (error) {
    loadTurbocam.loadError = error instanceof Error ? error.message : String(error);
    turbocam = null;
  }
  return turbocam;
}

/** The frame the bench encodes: turbocam's pattern, or (before the encoder exists) a stand-in
 *  with the same ingredients (bars, gradient, a box) so the baselines can still be measured. */
export async function benchFrame(format, width, height) {
  const pattern = await turbocamPattern(format, width, height, 7);
  if (pattern) return { data: pattern, origin: 'turbocam.testPattern' };
  return { data: fromRgb(standInRgb(width, height), format, width, height), origin: 'bench stand-in' };
}

function standInRgb(width, height) {
  const bars = [
    [235, 235, 235],
    [235, 235, 16],
    [16, 235, 235],
    [16, 235, 16],
    [235, 16, 235],
    [235, 16, 16],
    [16, 16, 235],
    [16, 16, 16],
  ];
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      let c;
      if (y < (height * 2) / 3) c = bars[Math.floor((x * 8) / width)] ?? bars[7];
      else {
        const g = Math.round((x * 255) / (width - 1));
        c = [g, g, g];
      }
      const inBox = x > width / 3 && x < width / 2 && y > height / 3 && y < height / 2;
      rgb[o] = inBox ? 255 - c[0] : c[0];
      rgb[o + 1] = inBox ? 255 - c[1] : c[1];
      rgb[o + 2] = inBox ? (x ^ y) & 255 : c[2];
    }
  }
  return rgb;
}

const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

// Full-range BT.601 (JFIF) both ways, so a frame converted to RGB re-encodes to the same YCbCr.
function fromRgb(rgb, format, width, height) {
  if (format === 'rgb24') return rgb;
  const Y = (i) => 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
  const U = (i) => -0.168736 * rgb[i] - 0.331264 * rgb[i + 1] + 0.5 * rgb[i + 2] + 128;
  const V = (i) => 0.5 * rgb[i] - 0.418688 * rgb[i + 1] - 0.081312 * rgb[i + 2] + 128;
  const out = Buffer.alloc(frameSize(format, width, height));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x += 2) {
      const a = (y * width + x) * 3;
      const b = a + 3;
      if (format === 'yuyv') {
        const o = (y * width + x) * 2;
        out[o] = clamp(Y(a));
        out[o + 1] = clamp((U(a) + U(b)) / 2);
        out[o + 2] = clamp(Y(b));
        out[o + 3] = clamp((V(a) + V(b)) / 2);
      } else {
        out[y * width + x] = clamp(Y(a));
        out[y * width + x + 1] = clamp(Y(b));
        if ((y & 1) === 0) {
          const o = width * height + (y / 2) * width + x;
          out[o] = clamp(U(a));
          out[o + 1] = clamp(V(a));
        }
      }
    }
  }
  return out;
}

/** The frame's pixels as RGB (channels 3) or RGBA (channels 4), for RGB-only encoders. */
export function toRgb(frame, format, width, height, channels = 3) {
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let r, g, b;
      if (format === 'rgb24') {
        [r, g, b] = [frame[p * 3], frame[p * 3 + 1], frame[p * 3 + 2]];
      } else {
        let Yv, Uv, Vv;
        if (format === 'yuyv') {
          const o = (y * width + (x & ~1)) * 2;
          Yv = frame[p * 2];
          Uv = frame[o + 1];
          Vv = frame[o + 3];
        } else {
          const o = width * height + (y >> 1) * width + (x & ~1);
          Yv = frame[p];
          Uv = frame[o];
          Vv = frame[o + 1];
        }
        r = Yv + 1.402 * (Vv - 128);
        g = Yv - 0.344136 * (Uv - 128) - 0.714136 * (Vv - 128);
        b = Yv + 1.772 * (Uv - 128);
      }
      out[p * channels] = clamp(r);
      out[p * channels + 1] = clamp(g);
      out[p * channels + 2] = clamp(b);
      if (channels === 4) out[p * channels + 3] = 255;
    }
  }
  return out;
}

/** Writes the frame where the C ceiling and ffmpeg read it; returns the path. */
export function dumpFrame(buildDir, format, width, height, data) {
  const dir = join(buildDir, 'frames');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${format}-${width}x${height}.raw`);
  writeFileSync(path, data);
  return path;
}
