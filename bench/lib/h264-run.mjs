// One scene coded both ways in its own process, so its threads' CPU is counted alone: known raw
// I420 frames (a file made by ffmpeg) written into a FIFO at the source rate, a Camera on that
// FIFO coding each frame to JPEG (one worker, tc-enc-0) and to H.264 (OpenH264, tc-h264).
//   node h264-run.mjs '{"input":"x.yuv","frames":90,"width":1280,"height":720,"fps":30,
//                       "bitrateKbps":2000,"keyframeInterval":60,"quality":80,"out":"x.h264"}'
// Writes the units, in order, to `out` (Annex B) and prints one JSON line: per unit its source
// frame (by capture time, through the JPEG frames' sequence: a pipe numbers frames as written)
// and size, the JPEG sizes, and each thread group's CPU over the run (/proc/self/task/*/schedstat).
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { openCamera } from '../../dist/index.js';
import { readThreads } from './cost-bench.mjs';
import { threadGroupNs } from './h264-figures.mjs';

const o = JSON.parse(process.argv[2]);
const frameBytes = (o.width * o.height * 3) / 2;
const fifo = `${o.out}.fifo`;
rmSync(fifo, { force: true });
execFileSync('mkfifo', [fifo]);
const writer = open(fifo, 'w');
const camera = await openCamera({
  source: fifo,
  format: 'i420',
  width: o.width,
  height: o.height,
  fps: o.fps,
  quality: o.quality,
  subsampling: '420',
  workers: 1,
  h264: { encoder: o.encoder ?? 'openh264', bitrateKbps: o.bitrateKbps, keyframeInterval: o.keyframeInterval },
});
// The writer closing ends the source (ERR_END_OF_STREAM): expected here, after the last frame.
camera.on('error', () => undefined);
const units = [];
const jpegs = [];
const errors = [];
camera.on('frame', (frame) => jpegs.push({ sequence: frame.sequence, timestamp: frame.timestamp, bytes: frame.data.length }));
camera.startH264(
  (unit) => units.push(unit),
  (error) => errors.push(error.message),
);
const handle = await writer;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const input = openSync(o.input, 'r');
const frame = Buffer.alloc(frameBytes);
const before = readThreads(process.pid);
const t0 = performance.now();
for (let i = 0; i < o.frames; i++) {
  // On an absolute schedule, so OpenH264's rate control sees the source rate.
  await sleep(t0 + (i * 1000) / o.fps - performance.now());
  readSync(input, frame, 0, frameBytes, i * frameBytes);
  await handle.write(frame);
}
closeSync(input);
const deadline = performance.now() + 10_000;
const settled = () => {
  const stats = camera.h264Stats();
  return jpegs.length >= o.frames && stats.units + stats.dropped.frames >= o.frames && units.length >= stats.units;
};
while (!settled() && performance.now() < deadline) await sleep(20);
const after = readThreads(process.pid);
const seconds = (performance.now() - t0) / 1000;
camera.stopH264();
const h264Stats = camera.h264Stats();
await handle.close();
await camera.close();
rmSync(fifo, { force: true });
writeFileSync(o.out, Buffer.concat(units.map((unit) => unit.data)));

const sourceOf = new Map(jpegs.map((j) => [j.timestamp, j.sequence]));
process.stdout.write(
  `${JSON.stringify({
    frames: o.frames,
    seconds,
    units: units.map((unit) => ({ source: sourceOf.get(unit.timestamp) ?? null, keyframe: unit.keyframe, bytes: unit.data.length })),
    jpegs: jpegs.map((j) => j.bytes),
    ns: threadGroupNs(before, after),
    h264Stats,
    errors,
  })}\n`,
);
