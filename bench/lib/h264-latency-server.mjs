// The server the latency figure is taken from, in its own process (forked by h264-latency.mjs):
// a Camera on a FIFO, fed the scene's I420 frames over and over at uneven intervals (so capture
// times, and the RTP timestamps made from them, cannot be matched one frame off), served by
// turbocam's own server (WHEP, /stream). The H.264 producer it serves is the Camera with each
// unit's capture time noted on the way to the hub.
//   fork(h264-latency-server.mjs, ['{"input":"x.yuv","frames":60,"width":1280,...}'])
// Sends { port } once listening; on 'hub', { hub } (the H.264 hub's stats); on 'finish',
// { captures, wallMinusMonoMs } and exits.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, openCamera } from '../../dist/index.js';
import { unevenIntervalMs } from './h264-figures.mjs';

const o = JSON.parse(process.argv[2]);
const frameBytes = (o.width * o.height * 3) / 2;
const fifo = `${o.input}.latency.fifo`;
rmSync(fifo, { force: true });
execFileSync('mkfifo', [fifo]);
const writer = open(fifo, 'w');
const camera = await openCamera({
  source: fifo,
  format: 'i420',
  width: o.width,
  height: o.height,
  fps: o.fps,
  quality: 80,
  subsampling: '420',
  h264: { encoder: 'openh264', bitrateKbps: o.bitrateKbps },
});
camera.on('error', () => undefined);
const captures = [];
const producer = {
  get h264Availability() {
    return camera.h264Availability;
  },
  startH264(onUnit, onError) {
    camera.startH264((unit) => {
      captures.push(unit.timestamp);
      onUnit(unit);
    }, onError);
  },
  stopH264: () => camera.stopH264(),
  requestKeyframe: () => camera.requestKeyframe(),
  h264Stats: () => camera.h264Stats(),
};
const server = createServer({ source: camera, h264: producer });
await server.listen({ host: '127.0.0.1', port: 0, systemd: false });
const handle = await writer;

let writing = true;
const written = (async () => {
  const input = openSync(o.input, 'r');
  const frame = Buffer.alloc(frameBytes);
  let due = performance.now();
  for (let i = 0; writing; i++) {
    readSync(input, frame, 0, frameBytes, (i % o.frames) * frameBytes);
    await handle.write(frame);
    due += unevenIntervalMs(i, o.fps);
    await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
  }
  closeSync(input);
})();

/** Wall clock minus the monotonic clock (ms), the largest of many reads: Date.now() is floored to
 *  the millisecond, so the largest difference is the closest. */
function wallMinusMonoMs() {
  let best = -Infinity;
  const until = Date.now() + 50;
  while (Date.now() < until) best = Math.max(best, Date.now() - Number(process.hrtime.bigint()) / 1e6);
  return best;
}

process.on('message', async (message) => {
  if (message === 'hub') {
    process.send({ hub: server.h264.stats() });
    return;
  }
  if (message !== 'finish') return;
  const offset = wallMinusMonoMs();
  writing = false;
  await written;
  process.send({ captures, wallMinusMonoMs: offset }, async () => {
    await server.close();
    await handle.close();
    await camera.close();
    rmSync(fifo, { force: true });
    process.exit(0);
  });
});
process.send({ port: server.port });
