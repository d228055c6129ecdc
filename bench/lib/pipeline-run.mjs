// One pipeline measurement in its own process, so process.cpuUsage() is the pipeline's alone
// (capture thread, encoder workers, hand-off to JS) and a native crash cannot take the bench down.
//   node pipeline-run.mjs WORKERS WIDTH HEIGHT FORMAT FPS WARMUP_SECONDS WINDOW_SECONDS
import { openCamera } from '../../dist/index.js';

const [workers, width, height] = process.argv.slice(2, 5).map(Number);
const format = process.argv[5];
const [fps, warmup, window] = process.argv.slice(6, 9).map(Number);
const camera = await openCamera({ source: 'testsrc', width, height, fps, format, quality: 80, workers });
let frames = 0;
let bytes = 0;
camera.on('frame', (frame) => {
  frames += 1;
  bytes += frame.data.length;
});
await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
frames = 0;
bytes = 0;
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await new Promise((resolve) => setTimeout(resolve, window * 1000));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const counted = frames;
const stats = camera.stats();
await camera.close();
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(
  `${JSON.stringify({
    workers,
    requestedFps: fps,
    frames: counted,
    seconds,
    fps: counted / seconds,
    cpuMsPerFrame: counted ? cpuMs / counted : null,
    cores: cpuMs / 1000 / seconds,
    bytesPerFrame: counted ? bytes / counted : null,
    stats,
  })}\n`,
);
