// One H.264 measurement in its own process: a paused testsrc Camera (no JPEGs made) coding H.264
// with OpenH264, its first frames kept (raw, by capture time) beside the units made from them, then
// the tc-h264 thread's CPU per coded frame over a window; and encodeSync JPEG on the kept frames,
// CPU per frame on this thread. Prints JSON; the comparison at equal PSNR is h264-bench.mjs's.
//   node h264-run.mjs WIDTH HEIGHT FPS BITRATE_KBPS KEEP_FRAMES WARMUP_SECONDS WINDOW_SECONDS DIR
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSync, h264Availability, openCamera } from '../../dist/index.js';
import { readThreads } from './cost-bench.mjs';

const [width, height, fps, bitrateKbps, keep, warmup, window] = process.argv.slice(2, 9).map(Number);
const dir = process.argv[9];
const availability = h264Availability();
if (!availability.available) {
  process.stdout.write(`${JSON.stringify({ unavailable: availability.reason })}\n`);
  process.exit(0);
}
const keyframeInterval = 2 * fps;
const camera = await openCamera({
  source: 'testsrc',
  width,
  height,
  fps,
  format: 'i420',
  output: 'both',
  h264: { bitrateKbps, keyframeInterval },
});
camera.pause();
const raw = new Map();
camera.on('raw', (frame) => {
  if (raw.size < keep * 2) raw.set(frame.timestamp, Buffer.from(frame.data));
  frame.release();
});
const kept = [];
camera.startH264(
  (unit) => {
    if (kept.length < keep) kept.push(unit);
  },
  (error) => {
    throw error;
  },
);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const h264Ns = (threads) => threads.filter((t) => t.comm === 'tc-h264').reduce((sum, t) => sum + t.ns, 0);
await sleep(warmup * 1000);
const before = { ns: h264Ns(readThreads(process.pid)), stats: camera.h264Stats() };
await sleep(window * 1000);
const after = { ns: h264Ns(readThreads(process.pid)), stats: camera.h264Stats() };
camera.stopH264();
await camera.close();
const coded = after.stats.units - before.stats.units;

// The kept units whose frame was kept too, from the first (a keyframe) on, so each decodes.
const pairs = kept.map((unit) => ({ unit, frame: raw.get(unit.timestamp) }));
writeFileSync(join(dir, 'units.h264'), Buffer.concat(kept.map((u) => u.data)));
writeFileSync(join(dir, 'matched.json'), JSON.stringify(pairs.map((p) => p.frame !== undefined)));
const frames = pairs.filter((p) => p.frame !== undefined).map((p) => p.frame);
writeFileSync(join(dir, 'reference.yuv'), Buffer.concat(frames));

// JPEG on the same frames, hot, at the default quality (the size ladder is h264-bench's).
const main = () => readThreads(process.pid).find((t) => t.tid === process.pid).ns;
const jpegBefore = main();
let jpegBytes = 0;
for (const frame of frames) jpegBytes += encodeSync(frame, { width, height, format: 'i420', quality: 80, subsampling: '420' }).length;
const jpegNs = main() - jpegBefore;

process.stdout.write(
  `${JSON.stringify({
    encoder: availability.encoder,
    width,
    height,
    fps,
    bitrateKbps,
    keyframeInterval,
    seconds: window,
    coded,
    h264CpuMsPerFrame: coded > 0 ? (after.ns - before.ns) / 1e6 / coded : null,
    h264BytesPerFrame: coded > 0 ? (after.stats.bytes - before.stats.bytes) / coded : null,
    encodeMs: after.stats.encodeMs,
    droppedFrames: after.stats.dropped.frames - before.stats.dropped.frames,
    kept: kept.length,
    matched: frames.length,
    jpegCpuMsPerFrame: frames.length > 0 ? jpegNs / 1e6 / frames.length : null,
    jpegQ80BytesPerFrame: frames.length > 0 ? jpegBytes / frames.length : null,
  })}\n`,
);
