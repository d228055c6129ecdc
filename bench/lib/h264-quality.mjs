// The h264 part's first two figures, per scene: bytes per frame of H.264 (OpenH264 at the bench
// bitrate) and of MJPEG at the same PSNR, and CPU per frame of each encoder on the same frames.
// The scene's frames are made once by ffmpeg (raw I420) and coded both ways: H.264 through a
// Camera on a FIFO (h264-run.mjs, its own process), JPEG with turbocam's encodeSync (the JPEG
// workers' encoder) at each quality the search tries. Both are decoded by ffmpeg and measured
// against the frames they came from with ffmpeg's psnr filter.
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { atEqualPsnr, parsePsnr, searchQuality } from './h264-figures.mjs';

const RUN_SCRIPT = fileURLToPath(new URL('./h264-run.mjs', import.meta.url));

/** The scenes, as ffmpeg lavfi graphs: full motion, and a still picture with light sensor-like
 *  temporal noise (the common case for these cameras). */
export const SCENES = {
  motion: (w, h, fps) => `testsrc2=size=${w}x${h}:rate=${fps}`,
  'static-noisy': (w, h, fps) => `testsrc2=size=${w}x${h}:rate=${fps},trim=end_frame=1,loop=loop=-1:size=1,noise=alls=4:allf=t`,
};

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 1 << 26, timeout: 180_000, ...options }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${(stderr || error.message).trim().split('\n').slice(-2).join(' ')}`));
      else resolve({ stdout, stderr });
    });
  });
}

export async function makeScene(scene, { dir, width, height, fps, frames }) {
  const file = join(dir, `${scene}-${width}x${height}-${frames}.yuv`);
  const graph = SCENES[scene](width, height, fps);
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    graph,
    '-frames:v',
    String(frames),
    '-pix_fmt',
    'yuv420p',
    '-f',
    'rawvideo',
    file,
  ]);
  return file;
}

/**
 * ffmpeg's PSNR of a coded file (`-f h264` / `-f mjpeg`) against raw I420 reference frames. The
 * decoder's planes go to the psnr filter as raw bytes, so a JPEG's full-range planes are compared
 * as they are, without a range conversion between the two.
 */
export function psnrAgainst(codedFormat, codedFile, referenceFile, width, height) {
  return new Promise((resolve, reject) => {
    const pixFmt = codedFormat === 'mjpeg' ? 'yuvj420p' : 'yuv420p';
    const decoder = spawn('ffmpeg', ['-v', 'error', '-f', codedFormat, '-i', codedFile, '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const raw = ['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`];
    const meter = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostats',
        ...raw,
        '-i',
        'pipe:0',
        ...raw,
        '-i',
        referenceFile,
        '-lavfi',
        '[0:v][1:v]psnr=shortest=1',
        '-f',
        'null',
        '-',
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    decoder.stdout.pipe(meter.stdin);
    let decoderErr = '';
    let meterErr = '';
    decoder.stderr.on('data', (chunk) => (decoderErr += chunk));
    meter.stderr.on('data', (chunk) => (meterErr += chunk));
    meter.stdin.on('error', () => undefined);
    meter.on('close', (code) => {
      const psnr = parsePsnr(meterErr);
      if (code === 0 && psnr && !decoderErr.trim()) resolve(psnr);
      else reject(new Error(`psnr of ${codedFile}: ${(decoderErr || meterErr).trim().split('\n').slice(-2).join(' ')}`));
    });
  });
}

export function readFrames(file, count, frameBytes) {
  const fd = openSync(file, 'r');
  const frames = [];
  for (let i = 0; i < count; i++) {
    const frame = Buffer.alloc(frameBytes);
    readSync(fd, frame, 0, frameBytes, i * frameBytes);
    frames.push(frame);
  }
  closeSync(fd);
  return frames;
}

/** H.264 of the scene through a Camera (h264-run.mjs), its PSNR against the frames each unit came from. */
export async function codeH264(sourceFile, frames, o) {
  const out = join(o.dir, `${o.scene}-${o.encoder}.h264`);
  const { stdout } = await run(process.execPath, [
    RUN_SCRIPT,
    JSON.stringify({
      input: sourceFile,
      frames: frames.length,
      width: o.width,
      height: o.height,
      fps: o.fps,
      bitrateKbps: o.bitrateKbps,
      encoder: o.encoder,
      quality: 80,
      out,
    }),
  ]);
  const result = JSON.parse(stdout);
  if (result.errors.length) throw new Error(`h264 ${o.scene}: ${result.errors[0]}`);
  if (result.units.length === 0 || result.units.some((u) => u.source == null))
    throw new Error(`h264 ${o.scene}: ${result.units.length} units, some without their source frame`);
  // The frames the units were coded from, in order (a frame the encoder thread skipped is not among them).
  const reference = join(o.dir, `${o.scene}-${o.encoder}-reference.yuv`);
  writeFileSync(reference, Buffer.concat(result.units.map((u) => frames[u.source])));
  const psnr = await psnrAgainst('h264', out, reference, o.width, o.height);
  rmSync(reference);
  const bytes = result.units.reduce((n, u) => n + u.bytes, 0);
  return { result, psnr, bytesPerFrame: bytes / result.units.length };
}

/** MJPEG of every frame at `quality` with encodeSync: bytes per frame, PSNR, encode CPU per frame. */
async function codeJpeg(encodeSync, sourceFile, frames, quality, o) {
  const file = join(o.dir, `${o.scene}-q${quality}.mjpeg`);
  const cpu0 = process.cpuUsage();
  const jpegs = frames.map((frame) => encodeSync(frame, { width: o.width, height: o.height, format: 'i420', quality, subsampling: '420' }));
  const cpu = process.cpuUsage(cpu0);
  writeFileSync(file, Buffer.concat(jpegs));
  const psnr = await psnrAgainst('mjpeg', file, sourceFile, o.width, o.height);
  rmSync(file);
  return {
    quality,
    psnr: psnr.average,
    psnrY: psnr.y,
    bytesPerFrame: jpegs.reduce((n, j) => n + j.length, 0) / jpegs.length,
    encodeSyncCpuMsPerFrame: (cpu.user + cpu.system) / 1000 / frames.length,
  };
}

/** One scene: H.264 at the bench bitrate, then the MJPEG quality of the same PSNR. */
export async function benchScene(scene, { dir, width, height, fps, frames: count, bitrateKbps, log }) {
  const { encodeSync } = await import('../../dist/index.js');
  mkdirSync(dir, { recursive: true });
  const o = { dir, scene, width, height, fps, bitrateKbps, encoder: 'openh264' };
  log(`h264: ${scene} ${width}x${height}, ${count} frames`);
  const sourceFile = await makeScene(scene, { dir, width, height, fps, frames: count });
  const frames = readFrames(sourceFile, count, (width * height * 3) / 2);
  const h264 = await codeH264(sourceFile, frames, o);
  const target = h264.psnr.average;
  log(`h264: ${scene} H.264 ${(h264.bytesPerFrame / 1024).toFixed(1)} KB/frame at ${target.toFixed(2)} dB; searching MJPEG quality`);
  const samples = await searchQuality((q) => codeJpeg(encodeSync, sourceFile, frames, q, o), target);
  const mjpeg = atEqualPsnr(samples, target);
  const r = h264.result;
  const units = r.units.length;
  const ms = (ns, n) => (n ? ns / n / 1e6 : null);
  return {
    scene,
    sourceFile,
    frames: count,
    h264: {
      bitrateKbps,
      units,
      keyframes: r.units.filter((u) => u.keyframe).length,
      skipped: r.h264Stats.dropped.frames,
      bytesPerFrame: h264.bytesPerFrame,
      psnr: h264.psnr.average,
      psnrY: h264.psnr.y,
    },
    mjpeg: { ...mjpeg, samples },
    ratio: mjpeg.bytesPerFrame ? mjpeg.bytesPerFrame / h264.bytesPerFrame : null,
    cpu: {
      h264MsPerUnit: ms(r.ns.h264, units),
      jpegQuality: 80,
      jpegMsPerFrame: ms(r.ns.jpeg, r.jpegs.length),
      processMsPerFrame: ms(r.ns.process, count),
      jpegFrames: r.jpegs.length,
      jpegBytesPerFrame: r.jpegs.reduce((n, b) => n + b, 0) / (r.jpegs.length || 1),
    },
  };
}
