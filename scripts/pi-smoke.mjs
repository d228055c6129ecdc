#!/usr/bin/env node
// npm run pi-smoke [-- --image-device PATH] [--video-device PATH] [--source PATH] [--seconds N] [--json]
// On a Raspberry Pi: the M2M encoder checks of the test VM, against the Pi's own bcm2835-codec:
// /dev/video31 (encode_image: JPEG) as --encoder m2m-image and /dev/video11 (the video encoder:
// MJPEG to a bitrate) as m2m-video, beside the CPU encoder. For each it streams the test pattern
// (or --source) at 1280x720 YUYV and 1920x1080 UYVY (an HDMI bridge's format), 30 fps, one worker,
// and prints what it measured for users to post: fps, CPU per frame of the encoder thread and of the
// process, latency per frame, bytes, the controls the driver took, zero-copy frames. It fails
// (exit 1) when a node that is there cannot open, falls back to the CPU, drops below the rate asked, or codes
// frames that are no JPEG of the asked size. Where neither node exists it says so and exits 0.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runEncoder } from '../bench/lib/encoders-bench.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let options;
try {
  ({ values: options } = parseArgs({
    options: {
      'image-device': { type: 'string', default: '/dev/video31' },
      'video-device': { type: 'string', default: '/dev/video11' },
      source: { type: 'string', default: 'testsrc' },
      seconds: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(
    `pi-smoke: ${error.message}\nusage: npm run pi-smoke -- [--image-device PATH] [--video-device PATH] [--source PATH] [--seconds N] [--json]`,
  );
  process.exit(2);
}
const seconds = Number(options.seconds);
if (!(seconds > 0)) {
  console.error(`pi-smoke: --seconds ${options.seconds} is not a positive number`);
  process.exit(2);
}
if (!existsSync(`${ROOT}/dist/index.js`)) {
  console.error('pi-smoke: turbocam is not built (dist/index.js): run npm run build');
  process.exit(2);
}

const nodes = [
  { encoder: 'm2m-image', device: options['image-device'], what: 'encode_image, JPEG' },
  { encoder: 'm2m-video', device: options['video-device'], what: 'video encoder, MJPEG' },
].filter((node) => existsSync(node.device));
if (nodes.length === 0) {
  console.log(
    `pi-smoke: no ${options['image-device']} (bcm2835-codec encode_image, JPEG) and no ${options['video-device']} (its video ` +
      'encoder) on this machine: nothing to measure. They are there on a Raspberry Pi Zero 2 W, 3 or 4 with the bcm2835-codec ' +
      'driver loaded (Raspberry Pi OS does by default); a Pi 5 has no hardware JPEG encoder: use --encoder cpu there.',
  );
  process.exit(0);
}

const SHAPES = [
  { width: 1280, height: 720, format: 'yuyv' },
  { width: 1920, height: 1080, format: 'uyvy' },
];
const FPS = 30;
const runs = [];
const failures = [];
for (const shape of SHAPES) {
  for (const node of [{ encoder: 'cpu', device: undefined }, ...nodes]) {
    const label = `${node.encoder}${node.device ? ` ${node.device}` : ''} ${shape.width}x${shape.height} ${shape.format}`;
    if (!options.json) process.stderr.write(`pi-smoke: ${label}\n`);
    const run = await runEncoder({
      ...shape,
      fps: FPS,
      source: options.source,
      encoder: node.encoder,
      encoderDevice: node.device,
      seconds,
    });
    runs.push({ label, ...run });
    // The CPU rows are the baseline (a Pi Zero cannot keep 1080p30 on its CPU): measured, not checked.
    if (node.encoder === 'cpu' && !run.error) continue;
    if (run.error) failures.push(`${label}: ${run.code ?? 'error'}: ${run.error}`);
    else if (run.encoder !== node.encoder)
      failures.push(`${label}: encoded by ${run.encoder} (${run.encoderStats?.fallback ?? run.encoderStats?.reason})`);
    else if (!run.jpeg?.sizeMatches) failures.push(`${label}: the frames are no JPEG of ${shape.width}x${shape.height}`);
    else if (run.fps < FPS * 0.9) failures.push(`${label}: ${run.fps.toFixed(1)} fps, below the ${FPS} asked`);
  }
}

const fmt = (value, digits = 1) => (value == null ? '-' : Number(value).toFixed(digits));
if (options.json) {
  process.stdout.write(`${JSON.stringify({ runs, failures }, null, 2)}\n`);
} else {
  console.log(
    'encoder / shape                                  fps  enc CPU ms/f  proc CPU ms/f  latency ms med/p95  KB/frame  zero-copy  controls',
  );
  for (const r of runs) {
    if (r.error) {
      console.log(`${r.label.padEnd(46)} failed: ${r.error}`);
      continue;
    }
    const s = r.encoderStats ?? {};
    const controls = s.controls
      ? `${s.controls.set.join(',') || '-'}${s.controls.unsupported.length ? ` (lacks ${s.controls.unsupported.join(',')})` : ''}`
      : '';
    console.log(
      `${r.label.padEnd(46)} ${fmt(r.fps).padStart(5)}  ${fmt(r.encoderCpuMsPerFrame, 2).padStart(12)}  ${fmt(r.processCpuMsPerFrame, 2).padStart(13)}  ` +
        `${`${fmt(r.latencyMs.median)}/${fmt(r.latencyMs.p95)}`.padStart(18)}  ${fmt(r.bytesPerFrame / 1024).padStart(8)}  ${String(s.zeroCopy ?? 0).padStart(9)}  ${controls}`,
    );
  }
  for (const f of failures) console.log(`FAILED: ${f}`);
  console.log(
    failures.length ? `pi-smoke: ${failures.length} check(s) failed` : 'pi-smoke: every check passed; please post the table above',
  );
}
process.exit(failures.length ? 1 : 0);
