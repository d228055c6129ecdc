// Raw frames for a pixel-level consumer: a camera opened with `output: 'raw'` (no JPEG encoding),
// each YUYV or NV12 frame converted to packed RGB (BT.601 full range, the JPEG convention), the
// mean colour of the frame's centre printed per frame, and the last frame written as a PPM.
//
//   node examples/raw-rgb.mjs --source testsrc --format yuyv --frames 30 --out frame.ppm
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openCamera } from 'turbocam';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: 'testsrc' },
    format: { type: 'string', default: 'yuyv' },
    width: { type: 'string', default: '640' },
    height: { type: 'string', default: '480' },
    fps: { type: 'string', default: '30' },
    frames: { type: 'string', default: '30' },
    out: { type: 'string', default: 'frame.ppm' },
  },
});

const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);

function yuvToRgb(rgb, i, y, u, v) {
  rgb[i] = clamp(y + 1.402 * (v - 128));
  rgb[i + 1] = clamp(y - 0.344136 * (u - 128) - 0.714136 * (v - 128));
  rgb[i + 2] = clamp(y + 1.772 * (u - 128));
}

/** Packed RGB from a raw frame: `stride` is the first plane's bytes per line. */
export function toRgb({ data, width, height, format, stride }) {
  const rgb = new Uint8ClampedArray(width * height * 3);
  for (let y = 0; y < height; y++) {
    const line = y * stride;
    for (let x = 0; x < width; x++) {
      const out = 3 * (y * width + x);
      if (format === 'yuyv') {
        const pair = line + 4 * (x >> 1);
        yuvToRgb(rgb, out, data[line + 2 * x], data[pair + 1], data[pair + 3]);
      } else if (format === 'nv12') {
        const chroma = stride * height + (y >> 1) * stride + 2 * (x >> 1);
        yuvToRgb(rgb, out, data[line + x], data[chroma], data[chroma + 1]);
      } else {
        throw new Error(`this example converts yuyv and nv12, not ${format}`);
      }
    }
  }
  return rgb;
}

const camera = await openCamera({
  source: values.source,
  format: values.format,
  width: Number(values.width),
  height: Number(values.height),
  fps: Number(values.fps),
  output: 'raw',
});
let last = null;
let count = 0;
for await (const frame of camera.rawFrames()) {
  const rgb = toRgb(frame);
  // The raw buffer goes back to the camera's pool: the RGB copy is ours.
  frame.release();
  const { width, height } = frame;
  const mean = [0, 0, 0];
  let n = 0;
  for (let y = height >> 2; y < (3 * height) >> 2; y++) {
    for (let x = width >> 2; x < (3 * width) >> 2; x++, n++) {
      for (let c = 0; c < 3; c++) mean[c] += rgb[3 * (y * width + x) + c];
    }
  }
  console.log(JSON.stringify({ sequence: frame.sequence, width, height, centre: mean.map((v) => Math.round(v / n)) }));
  last = { rgb, width, height };
  if (++count >= Number(values.frames)) break;
}
const stats = camera.stats();
await camera.close();
if (last) writeFileSync(values.out, Buffer.concat([Buffer.from(`P6\n${last.width} ${last.height}\n255\n`), Buffer.from(last.rgb.buffer)]));
console.log(JSON.stringify({ done: count, encoded: stats.encoded, raw: stats.raw }));
