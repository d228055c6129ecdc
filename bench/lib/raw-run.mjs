// One raw-output measurement in its own process: a Camera on testsrc with the given output, a
// consumer of each kind it produces (JPEG frames counted, raw frames read at one byte per line
// and released at once), and the CPU each of this process's threads spent per captured frame.
//   node raw-run.mjs OUTPUT WIDTH HEIGHT FPS WORKERS WARMUP_SECONDS WINDOW_SECONDS
import { openCamera } from '../../dist/index.js';
import { perFrameMs, stageNs } from './cost.mjs';
import { readThreads } from './cost-bench.mjs';

const output = process.argv[2];
const [width, height, fps, workers, warmup, window] = process.argv.slice(3, 9).map(Number);
const camera = await openCamera({ source: 'testsrc', width, height, fps, workers, quality: 80, subsampling: '420', output });
let jpegs = 0;
let raws = 0;
let checksum = 0;
camera.on('frame', () => jpegs++);
if (output !== 'jpeg') {
  camera.on('raw', (frame) => {
    // A consumer that looks at its pixels: one byte of every line.
    for (let offset = 0; offset < frame.data.length; offset += frame.stride) checksum = (checksum + frame.data[offset]) & 0xffff;
    frame.release();
    raws++;
  });
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(warmup * 1000);
const before = { threads: readThreads(process.pid), stats: camera.stats(), jpegs, raws };
await sleep(window * 1000);
const after = { threads: readThreads(process.pid), stats: camera.stats(), jpegs, raws };
await camera.close();
const captured = after.stats.captured - before.stats.captured;
const ns = stageNs(process.pid, before.threads, after.threads);
process.stdout.write(
  `${JSON.stringify({
    output,
    width,
    height,
    fps,
    workers,
    seconds: window,
    captured,
    ns,
    jpegs: after.jpegs - before.jpegs,
    raws: after.raws - before.raws,
    encoded: after.stats.encoded - before.stats.encoded,
    rawDropped: after.stats.raw?.dropped ?? null,
    perFrameMs: perFrameMs(ns, captured),
    checksum,
  })}\n`,
);
