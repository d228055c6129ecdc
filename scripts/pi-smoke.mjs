#!/usr/bin/env node
// npm run pi-smoke [-- --image-device PATH] [--video-device PATH] [--source PATH] [--seconds N] [--json]
// On a Raspberry Pi: the M2M encoder checks of the test VM, against the Pi's own bcm2835-codec:
// /dev/video31 (encode_image: JPEG) as --encoder m2m-image and /dev/video11 (the video encoder:
// MJPEG to a bitrate) as m2m-video, beside the CPU encoder. For each it streams the test pattern
// (or --source) at 1280x720 YUYV and 1920x1080 UYVY (an HDMI bridge's format), 30 fps, one worker,
// and prints what it measured for users to post: fps, CPU per frame of the encoder thread and of the
// process, latency per frame, bytes, the controls the driver took, zero-copy frames. It fails
// (exit 1) when a node that is there cannot open, falls back to the CPU, drops below the rate asked, or codes
// frames that are no JPEG of the asked size. Then H.264 on the video node, as the H.264 stream codes
// it (one M2M context, frames in order, through the addon's m2mVideoStreamForTest until the camera
// API has it): 90 test-pattern frames at 1280x720 I420 and 1920x1080 YUYV, a GOP of 30 and one
// keyframe forced at frame 45; it fails when a unit is missing or out of order, the first carries
// no SPS, PPS and IDR, a keyframe is not where it should be, or ffmpeg (when installed) decodes
// fewer frames than were coded or the first below 30 dB luma PSNR. Where neither node exists it
// says so and exits 0.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      'encoder: MJPEG and H.264) on this machine: nothing to measure. They are there on a Raspberry Pi Zero 2 W, 3 or 4 with the bcm2835-codec ' +
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

// H.264 on the video node. Frames go in as fast as the node takes them (no pacing): fps is what
// it sustains.
const { native } = await import(`${ROOT}/dist/native.js`);
const { testPattern } = await import(`${ROOT}/dist/index.js`);
const H264_SHAPES = [
  { width: 1280, height: 720, format: 'i420', bitrateKbps: 2000 },
  { width: 1920, height: 1080, format: 'yuyv', bitrateKbps: 4000 },
];
const H264_FRAMES = 90;
const GOP = 30;
const FORCED = 45;
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const h264Runs = [];
const videoNode = nodes.find((node) => node.encoder === 'm2m-video');
for (const shape of videoNode ? H264_SHAPES : []) {
  const label = `h264 ${videoNode.device} ${shape.width}x${shape.height} ${shape.format}`;
  if (!options.json) process.stderr.write(`pi-smoke: ${label}\n`);
  const run = await h264Check(videoNode.device, shape);
  h264Runs.push({ label, ...run });
  if (run.error) failures.push(`${label}: ${run.code ?? 'error'}: ${run.error}`);
  for (const problem of run.problems ?? []) failures.push(`${label}: ${problem}`);
}

async function h264Check(device, shape) {
  const frames = Array.from({ length: H264_FRAMES }, (_, i) => testPattern({ ...shape, frame: i }));
  const started = performance.now();
  let run;
  try {
    run = await native.m2mVideoStreamForTest({ device, coded: 'h264', ...shape, fps: FPS, keyframeInterval: GOP }, frames, [FORCED]);
  } catch (error) {
    return { error: error.message, code: error.code };
  }
  const seconds = (performance.now() - started) / 1000;
  const { units, stats } = run;
  const problems = [];
  if (units.length !== H264_FRAMES - stats.skipped)
    problems.push(`${units.length} units for ${H264_FRAMES} frames (${stats.skipped} skipped)`);
  if (units.some((unit, i) => i > 0 && unit.timestampUs <= units[i - 1].timestampUs)) problems.push('units out of order');
  const first = units[0] ? nalTypes(units[0].data) : [];
  if (![7, 8, 5].every((type) => first.includes(type)))
    problems.push(`the first unit holds NAL units ${first.join(',')}, not SPS, PPS and IDR`);
  const keyframes = units.flatMap((unit, i) => (unit.keyframe ? [i] : []));
  for (const at of [0, FORCED])
    if (!keyframes.includes(at)) problems.push(`no keyframe at frame ${at} (keyframes: ${keyframes.join(',')})`);
  if (keyframes.some((at) => !nalTypes(units[at].data).includes(5))) problems.push('a unit flagged keyframe holds no IDR');
  const decoded = hasFfmpeg ? decodeWithFfmpeg(units, frames[0], shape) : undefined;
  if (decoded?.error) problems.push(`ffmpeg: ${decoded.error}`);
  else if (decoded && decoded.frames !== units.length) problems.push(`ffmpeg decoded ${decoded.frames} of ${units.length} units`);
  else if (decoded && decoded.psnr < 30) problems.push(`the first frame decodes at ${decoded.psnr.toFixed(1)} dB luma PSNR, below 30`);
  const bytes = units.reduce((sum, unit) => sum + unit.data.length, 0);
  return {
    name: run.name,
    fps: H264_FRAMES / seconds,
    bytesPerFrame: bytes / Math.max(units.length, 1),
    keyframes,
    decoded,
    stats,
    problems,
  };
}

/** The NAL unit types of an Annex B access unit, in order. */
function nalTypes(data) {
  const types = [];
  for (let i = 0; i + 3 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      types.push(data[i + 3] & 0x1f);
      if ((data[i + 3] & 0x1f) === 1 || (data[i + 3] & 0x1f) === 5) break;
    }
  }
  return types;
}

/** Decodes the units with ffmpeg: how many frames, and the first frame's luma PSNR against its input. */
function decodeWithFfmpeg(units, input, shape) {
  const dir = mkdtempSync(join(tmpdir(), 'pi-smoke-h264-'));
  try {
    const file = join(dir, 'stream.h264');
    writeFileSync(file, Buffer.concat(units.map((unit) => unit.data)));
    const count = spawnSync('ffmpeg', ['-v', 'error', '-f', 'h264', '-i', file, '-f', 'framecrc', '-'], { encoding: 'utf8' });
    if (count.status !== 0) return { error: count.stderr.trim().split('\n')[0] };
    const frames = count.stdout.split('\n').filter((line) => line && !line.startsWith('#')).length;
    const first = spawnSync(
      'ffmpeg',
      ['-v', 'error', '-f', 'h264', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      {
        maxBuffer: 64 << 20,
      },
    );
    const pixels = shape.width * shape.height;
    // The input's luma: I420's first plane, or every other byte of YUYV.
    const luma = shape.format === 'i420' ? input.subarray(0, pixels) : Buffer.from(Array.from({ length: pixels }, (_, i) => input[2 * i]));
    return { frames, psnr: lumaPsnr(first.stdout.subarray(0, pixels), luma) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lumaPsnr(a, b) {
  if (a.length !== b.length) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / sum);
}

const fmt = (value, digits = 1) => (value == null ? '-' : Number(value).toFixed(digits));
if (options.json) {
  process.stdout.write(`${JSON.stringify({ runs, h264: h264Runs, failures }, null, 2)}\n`);
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
  if (h264Runs.length > 0) {
    console.log(`h264 / shape                                     fps  KB/frame  keyframes  decoded (ffmpeg)  controls`);
    for (const r of h264Runs) {
      if (r.error) {
        console.log(`${r.label.padEnd(46)} failed: ${r.error}`);
        continue;
      }
      const decoded = r.decoded ? (r.decoded.error ? 'failed' : `${r.decoded.frames}, ${fmt(r.decoded.psnr)} dB`) : 'no ffmpeg';
      const c = r.stats.controls;
      console.log(
        `${r.label.padEnd(46)} ${fmt(r.fps).padStart(5)}  ${fmt(r.bytesPerFrame / 1024).padStart(8)}  ${r.keyframes.join(',').padStart(9)}  ${decoded.padStart(16)}  ` +
          `${c.set.join(',') || '-'}${c.unsupported.length ? ` (lacks ${c.unsupported.join(',')})` : ''}`,
      );
    }
  }
  for (const f of failures) console.log(`FAILED: ${f}`);
  console.log(
    failures.length ? `pi-smoke: ${failures.length} check(s) failed` : 'pi-smoke: every check passed; please post the table above',
  );
}
process.exit(failures.length ? 1 : 0);
