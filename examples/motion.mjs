// Motion detection by frame difference on raw frames: each frame's luma is averaged into a coarse
// grid, compared with the previous frame's grid, and a JSON line is logged when enough cells
// changed. Only luma is read, straight from the raw buffer, which is released at once.
//
//   node examples/motion.mjs --source /dev/video0 --format yuyv --width 640 --height 480
import { parseArgs } from 'node:util';
import { openCamera } from 'turbocam';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: '/dev/video0' },
    format: { type: 'string', default: 'yuyv' },
    width: { type: 'string', default: '640' },
    height: { type: 'string', default: '480' },
    fps: { type: 'string', default: '30' },
    // A cell counts as changed when its mean luma moved by more than this (0..255).
    threshold: { type: 'string', default: '12' },
    // An event needs at least this fraction of the grid's cells changed.
    area: { type: 'string', default: '0.02' },
  },
});

const GRID = 32;
// Bytes from one luma sample to the next along a line, and where the first one sits.
const LUMA = { yuyv: [2, 0], uyvy: [2, 1], grey: [1, 0], nv12: [1, 0], i420: [1, 0] };

/** The frame's luma averaged over a GRID x GRID grid of cells. */
function lumaGrid({ data, width, height, format, stride }) {
  const [step, offset] = LUMA[format] ?? [];
  if (step === undefined) throw new Error(`this example reads luma from yuyv, uyvy, grey, nv12 or i420, not ${format}`);
  const sums = new Float64Array(GRID * GRID);
  const counts = new Uint32Array(GRID * GRID);
  // Every other line and pixel is plenty for a motion grid.
  for (let y = 0; y < height; y += 2) {
    const row = Math.floor((y * GRID) / height) * GRID;
    for (let x = 0; x < width; x += 2) {
      const cell = row + Math.floor((x * GRID) / width);
      sums[cell] += data[y * stride + x * step + offset];
      counts[cell]++;
    }
  }
  return sums.map((sum, i) => sum / Math.max(1, counts[i]));
}

const threshold = Number(values.threshold);
const area = Number(values.area);
const camera = await openCamera({
  source: values.source,
  format: values.format,
  width: Number(values.width),
  height: Number(values.height),
  fps: Number(values.fps),
  output: 'raw',
});
process.on('SIGINT', () => void camera.close());
process.on('SIGTERM', () => void camera.close());
console.log(JSON.stringify({ event: 'start', source: camera.info.name, format: camera.info.format }));
let previous = null;
let moving = false;
try {
  for await (const frame of camera.rawFrames()) {
    const grid = lumaGrid(frame);
    frame.release();
    if (previous) {
      let changed = 0;
      for (let i = 0; i < grid.length; i++) if (Math.abs(grid[i] - previous[i]) > threshold) changed++;
      const fraction = changed / grid.length;
      // One event when motion starts, one when it stops: a log, not a stream of lines.
      if (!moving && fraction >= area)
        console.log(
          JSON.stringify({ event: 'motion', sequence: frame.sequence, timestamp: frame.timestamp, changed: Number(fraction.toFixed(3)) }),
        );
      if (moving && fraction < area) console.log(JSON.stringify({ event: 'still', sequence: frame.sequence, timestamp: frame.timestamp }));
      moving = fraction >= area;
    }
    previous = grid;
  }
} catch (error) {
  // A pipe's writer closing ends the run; anything else is a real failure.
  if (error.code !== 'ERR_END_OF_STREAM') throw error;
}
console.log(JSON.stringify({ event: 'end', raw: camera.stats().raw }));
