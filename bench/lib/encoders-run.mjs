// One encoder measured in its own process, so its threads' CPU is counted alone and a driver that
// misbehaves cannot take the caller down. Used by the bench's `encoders` part and by
// scripts/pi-smoke.mjs.
//   node encoders-run.mjs '{"encoder":"m2m-image","encoderDevice":"/dev/video31","width":1280,...}'
// Prints one JSON line: frames, fps, CPU ms per frame (the encoder threads, tc-enc-*, from
// /proc/self/task/*/schedstat; and the whole process), latency per frame (delivery minus capture
// timestamp: median, p95), bytes per frame, the encoder's stats, and whether the last frame
// decodes as a JPEG of the asked size (for JPEG output). Or { error, code } when it cannot open.
import { readdirSync, readFileSync } from 'node:fs';
import { openCamera } from '../../dist/index.js';

const o = JSON.parse(process.argv[2]);

/** Nanoseconds on CPU of this process's encoder threads (named tc-enc-N by the addon). */
function encoderThreadsNs() {
  let ns = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (!readFileSync(`/proc/self/task/${task}/comm`, 'utf8').startsWith('tc-enc-')) continue;
      ns += Number(readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return ns;
}

function jpegSize(data) {
  if (data[0] !== 0xff || data[1] !== 0xd8) return null;
  for (let i = 2; i + 8 < data.length;) {
    if (data[i] !== 0xff) return null;
    const marker = data[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: data.readUInt16BE(i + 5), width: data.readUInt16BE(i + 7) };
    }
    i += 2 + data.readUInt16BE(i + 2);
  }
  return null;
}

let camera;
try {
  camera = await openCamera({
    source: o.source ?? 'testsrc',
    width: o.width,
    height: o.height,
    fps: o.fps,
    format: o.format,
    quality: 80,
    workers: o.workers ?? 1,
    encoder: o.encoder,
    encoderDevice: o.encoderDevice,
  });
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: error.message, code: error.code ?? null })}\n`);
  process.exit(0);
}
const latencies = [];
let frames = 0;
let bytes = 0;
let last = null;
let counting = false;
camera.on('frame', (frame) => {
  if (!counting) return;
  frames += 1;
  bytes += frame.data.length;
  latencies.push(Number(process.hrtime.bigint()) / 1e6 - frame.timestamp);
  last = frame;
});
await new Promise((resolve) => setTimeout(resolve, (o.warmupSeconds ?? 1) * 1000));
counting = true;
const threads0 = encoderThreadsNs();
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await new Promise((resolve) => setTimeout(resolve, (o.seconds ?? 3) * 1000));
counting = false;
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const threadsMs = (encoderThreadsNs() - threads0) / 1e6;
const cpu = process.cpuUsage(cpu0);
const stats = camera.stats();
await camera.close();
latencies.sort((a, b) => a - b);
const at = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : null);
const decoded = last ? jpegSize(last.data) : null;
process.stdout.write(
  `${JSON.stringify({
    encoder: stats.encoder?.kind ?? null,
    chosen: stats.encoder?.chosen ?? null,
    device: stats.encoder?.device ?? null,
    width: o.width,
    height: o.height,
    format: o.format,
    requestedFps: o.fps,
    frames,
    seconds,
    fps: frames / seconds,
    encoderCpuMsPerFrame: frames ? threadsMs / frames : null,
    processCpuMsPerFrame: frames ? (cpu.user + cpu.system) / 1000 / frames : null,
    latencyMs: { median: at(0.5), p95: at(0.95) },
    bytesPerFrame: frames ? bytes / frames : null,
    jpeg: decoded ? { ...decoded, sizeMatches: decoded.width === o.width && decoded.height === o.height } : null,
    encoderStats: stats.encoder ?? null,
  })}\n`,
);
