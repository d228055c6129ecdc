// Part 1: single-thread encode speed of turbocam against the ceiling and the alternatives, on the
// same raw pixels, quality 80. `fps` is frames per CPU-second of the encoding process: on a
// machine shared with other work, time a contestant spends preempted does not count against it
// (wall-clock fps is kept as `wallFps`). Trials are interleaved and the best one kept.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildCeiling, runCeiling } from './ceiling.mjs';
import { FORMATS, benchFrame, dumpFrame, loadTurbocam, toRgb } from './frames.mjs';

const require = createRequire(import.meta.url);
export const SIZES = [
  [640, 480],
  [1280, 720],
  [1920, 1080],
];
const QUALITY = 80;
const FFMPEG_PIX = { yuyv: 'yuyv422', nv12: 'nv12', rgb24: 'rgb24' };
// The JPEG layout turbocam produces for each input: ffmpeg is asked for the same.
const FFMPEG_OUT = { yuyv: 'yuvj422p', nv12: 'yuvj420p', rgb24: 'yuvj420p' };

/** The libjpeg-turbo version @julusian/jpeg-turbo bundles (it does not use the system's), read
 *  from the version string inside its shared library; null when not found. */
function bundledTurboVersion() {
  try {
    const dir = join(dirname(require.resolve('@julusian/jpeg-turbo')), 'prebuilds', `jpeg-turbo-${process.platform}-${process.arch}`);
    const lib = readdirSync(dir).find((f) => f.startsWith('libturbojpeg'));
    const text = readFileSync(join(dir, lib)).toString('latin1');
    return /libjpeg-turbo version ([\d.]+)/.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Runs `encodeOnce` (sync or async) for about `seconds` (at least `minFrames` frames). */
async function timeLoop(encodeOnce, seconds, minFrames = 2) {
  let frames = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let wall = 0;
  do {
    const out = encodeOnce();
    bytes = (out instanceof Promise ? await out : out).length;
    frames += 1;
    wall = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (wall < seconds || frames < minFrames);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { frames, wallSeconds: wall, cpuSeconds, fps: frames / cpuSeconds, wallFps: frames / wall, bytes };
}

function best(trials) {
  return trials.reduce((a, b) => (b.fps > a.fps ? b : a));
}

/** ffmpeg's mjpeg encoder on `count` copies of the frame fed through a pipe: wall time of the run
 *  and ffmpeg's own CPU time (its -benchmark report). */
function ffmpegRun({ format, width, height, frame, count, qscale }) {
  return new Promise((resolve, reject) => {
    const args = [
      '-hide_banner',
      '-loglevel',
      'info',
      '-nostats',
      '-benchmark',
      '-f',
      'rawvideo',
      '-pix_fmt',
      FFMPEG_PIX[format],
      '-s',
      `${width}x${height}`,
      '-framerate',
      '30',
      '-i',
      'pipe:0',
      '-c:v',
      'mjpeg',
      '-q:v',
      String(qscale),
      '-huffman',
      'default',
      '-threads',
      '1',
      '-pix_fmt',
      FFMPEG_OUT[format],
      '-f',
      'mjpeg',
      'pipe:1',
    ];
    const t0 = process.hrtime.bigint();
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let outBytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code) => {
      const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
      if (code !== 0 || !bench) reject(new Error(`ffmpeg exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
      else
        resolve({
          seconds: Number(process.hrtime.bigint() - t0) / 1e9,
          cpuSeconds: Number(bench[1]) + Number(bench[2]),
          bytes: outBytes / count,
        });
    });
    let written = 0;
    const feed = () => {
      while (written < count) {
        written += 1;
        if (!child.stdin.write(frame)) {
          child.stdin.once('drain', feed);
          return;
        }
      }
      child.stdin.end();
    };
    feed();
  });
}

/** Per-frame ffmpeg speed: the best run of `count` frames minus the best run of one frame
 *  (process start, probing, muxer set-up), so ffmpeg is compared per frame, not per launch. */
async function ffmpegTrials(options, count, trials) {
  const one = { seconds: Infinity, cpuSeconds: Infinity };
  const many = { seconds: Infinity, cpuSeconds: Infinity };
  let bytes = 0;
  for (let i = 0; i < trials; i++) {
    const single = await ffmpegRun({ ...options, count: 1 });
    const run = await ffmpegRun({ ...options, count });
    for (const key of ['seconds', 'cpuSeconds']) {
      one[key] = Math.min(one[key], single[key]);
      many[key] = Math.min(many[key], run[key]);
    }
    bytes = run.bytes;
  }
  const perFrame = (key) => Math.max((many[key] - one[key]) / (count - 1), 1e-6);
  return {
    frames: count,
    fps: 1 / perFrame('cpuSeconds'),
    wallFps: 1 / perFrame('seconds'),
    bytes: Math.round(bytes),
    startupSeconds: one.seconds,
  };
}

/** The ffmpeg -q:v whose JPEG size is nearest the ceiling's at quality 80 (2..5), so ffmpeg is not
 *  made to look fast by compressing harder or slow by keeping more detail. */
async function calibrateQscale(format, width, height, frame, targetBytes) {
  let bestQ = 2;
  let bestGap = Infinity;
  for (const q of [2, 3, 4, 5]) {
    const { bytes } = await ffmpegRun({ format, width, height, frame, count: 1, qscale: q });
    const gap = Math.abs(bytes - targetBytes);
    if (gap < bestGap) {
      bestGap = gap;
      bestQ = q;
    }
  }
  return bestQ;
}

/**
 * Returns { quality, qscale, frameOrigin, rows: [{ width, height, format, contestants: { name:
 * { fps, mpps, bytes, ... } | { error } } }] }. RGB-only encoders run once per size on the RGB
 * form of the same picture and appear in every format's row of that size.
 */
export async function benchEncoder({
  buildDir,
  quick,
  log,
  sizes = SIZES,
  formats = FORMATS,
  trialSeconds = quick ? 0.25 : 0.6,
  trials = quick ? 2 : 3,
}) {
  const ceiling = buildCeiling(buildDir);
  const lib = await loadTurbocam();
  const encodeSync = lib?.encodeSync;
  const sharp = (await import('sharp')).default;
  sharp.concurrency(1);
  const jpegTurbo = require('@julusian/jpeg-turbo');
  const jpegJs = require('jpeg-js');

  const rows = [];
  const rgbSource = formats.includes('rgb24') ? 'rgb24' : formats[0];
  let qscale = null;
  let frameOrigin = null;
  for (const [width, height] of sizes) {
    const mp = (width * height) / 1e6;
    const withMpps = (r) => ({ ...r, mpps: r.fps * mp });
    const rgbAlternatives = {};
    for (const format of formats) {
      log(`encode ${width}x${height} ${format}`);
      const { data: frame, origin } = await benchFrame(format, width, height);
      frameOrigin = origin;
      const input = dumpFrame(buildDir, format, width, height, frame);
      const contestants = {};
      const ceilingTrials = [];
      const turbocamTrials = [];
      for (let i = 0; i < trials; i++) {
        const run = runCeiling(ceiling, { format, width, height, quality: QUALITY, input, seconds: trialSeconds });
        ceilingTrials.push({ ...run, fps: run.cpuFps, wallFps: run.fps });
        if (encodeSync) {
          const options = { width, height, format, quality: QUALITY };
          turbocamTrials.push(await timeLoop(() => encodeSync(frame, options), trialSeconds));
        }
      }
      contestants.ceiling = withMpps(best(ceilingTrials));
      contestants.turbocam = encodeSync
        ? withMpps(best(turbocamTrials))
        : { error: `turbocam encodeSync unavailable (${loadTurbocam.loadError ?? 'not exported by dist/index.js'})` };

      if (qscale === null) qscale = await calibrateQscale(format, width, height, frame, contestants.ceiling.bytes);
      // Enough frames for ffmpeg's millisecond CPU clock to resolve the per-frame cost.
      const ffCount = Math.max(10, Math.round(contestants.ceiling.fps * Math.max(trialSeconds, 0.2) * 0.5));
      try {
        contestants.ffmpeg = withMpps(await ffmpegTrials({ format, width, height, frame, qscale }, ffCount, trials));
      } catch (error) {
        contestants.ffmpeg = { error: String(error instanceof Error ? error.message : error) };
      }

      if (format === rgbSource) {
        // Same picture in every format, so the RGB encoders are measured once per size, on the
        // rgb24 frame when there is one.
        const rgb = format === 'rgb24' ? frame : toRgb(frame, format, width, height, 3);
        const rgba = toRgb(frame, format, width, height, 4);
        const out = Buffer.alloc(jpegTurbo.bufferSize({ width, height, subsampling: jpegTurbo.SAMP_420 }));
        const turboOptions = { format: jpegTurbo.FORMAT_RGB, width, height, subsampling: jpegTurbo.SAMP_420, quality: QUALITY };
        const sharpTrials = [];
        const turboTrials = [];
        // Standard Huffman tables for everyone, as turbocam writes them: sharp would otherwise
        // optimise them (a second pass over the coefficients), and ffmpeg gets -huffman default.
        for (let i = 0; i < trials; i++) {
          sharpTrials.push(
            await timeLoop(
              () =>
                sharp(rgb, { raw: { width, height, channels: 3 } })
                  .jpeg({ quality: QUALITY, chromaSubsampling: '4:2:0', optimiseCoding: false })
                  .toBuffer(),
              trialSeconds,
            ),
          );
          turboTrials.push(await timeLoop(() => jpegTurbo.compressSync(rgb, out, turboOptions), trialSeconds));
        }
        rgbAlternatives.sharp = withMpps(best(sharpTrials));
        rgbAlternatives['jpeg-turbo (npm)'] = withMpps(best(turboTrials));
        // jpeg-js is ~100x slower: one trial of at least two frames is plenty.
        rgbAlternatives['jpeg-js'] = withMpps(
          await timeLoop(() => jpegJs.encode({ data: rgba, width, height }, QUALITY).data, trialSeconds, 2),
        );
      }
      rows.push({ width, height, format, input: frame.length, contestants });
    }
    for (const row of rows) if (row.width === width) Object.assign(row.contestants, rgbAlternatives);
  }
  return { quality: QUALITY, qscale, frameOrigin, trialSeconds, trials, npmTurboVersion: bundledTurboVersion(), rows };
}
