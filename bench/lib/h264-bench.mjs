// The h264 part (issue 18): OpenH264 on a Camera's tc-h264 thread against encodeSync JPEG on the
// same frames (h264-run.mjs, in its own process): CPU per frame of each, and bytes per frame at
// equal PSNR: ffmpeg decodes the units and measures their luma PSNR against the captured frames,
// then the same frames are coded as JPEG up a quality ladder until one reaches that PSNR.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN_SCRIPT = fileURLToPath(new URL('./h264-run.mjs', import.meta.url));
export const QUALITIES = [20, 30, 40, 50, 60, 70, 80, 90, 95, 98];

function runOnce(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [RUN_SCRIPT, ...args.map(String)], { timeout: 120_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolve(JSON.parse(stdout));
      const reason = stderr.split('\n').find((line) => /Error|error:/.test(line)) ?? error.message;
      reject(new Error(`h264 run failed: ${reason.trim()}`));
    });
  });
}

/** The luma PSNR in ffmpeg's psnr summary (`PSNR y:41.23 u:...`). */
export function parsePsnr(text) {
  const match = /PSNR y:(inf|[\d.]+)/.exec(text);
  if (!match) throw new Error(`no PSNR in ffmpeg's output: ${text.slice(-200)}`);
  return match[1] === 'inf' ? Infinity : Number(match[1]);
}

/** ffmpeg's luma PSNR of two raw yuv420p files of as many frames (it reports on stderr). */
function ffmpegPsnr(a, b, width, height) {
  const raw = ['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`];
  const result = execFileSync(
    'sh',
    ['-c', 'ffmpeg -hide_banner "$@" 2>&1', 'sh', ...raw, '-i', a, ...raw, '-i', b, '-lavfi', 'psnr', '-f', 'null', '-'],
    {
      encoding: 'utf8',
    },
  );
  return parsePsnr(result);
}

/** Decodes a coded file to raw planes in the decoder's own layout (no range conversion). */
function decodeTo(input, format, pixFmt, output) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', format, '-i', input, '-f', 'rawvideo', '-pix_fmt', pixFmt, output]);
}

/** The smallest quality of the ladder whose JPEGs reach `psnr`, or null when none does. */
export function equalPsnrRung(ladder, psnr) {
  return ladder.find((rung) => rung.psnr >= psnr) ?? null;
}

export async function benchH264({ quick, log, width = 1280, height = 720, fps = 30, bitrateKbps = 2000 }) {
  const { encodeSync } = await import('../../dist/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'turbocam-bench-h264-'));
  try {
    const keep = quick ? 20 : 30;
    log(`h264 openh264 ${width}x${height}@${fps} ${bitrateKbps} kbit/s`);
    const run = await runOnce([width, height, fps, bitrateKbps, keep, quick ? 1 : 2, quick ? 3 : 6, dir]);
    if (run.unavailable) throw new Error(run.unavailable);
    const frameBytes = (width * height * 3) / 2;
    // The decoded units whose captured frame was kept, beside the reference of the same frames.
    decodeTo(join(dir, 'units.h264'), 'h264', 'yuv420p', join(dir, 'decoded-all.yuv'));
    const all = readFileSync(join(dir, 'decoded-all.yuv'));
    const matched = JSON.parse(readFileSync(join(dir, 'matched.json'), 'utf8'));
    const decoded = matched.flatMap((hit, i) => (hit ? [all.subarray(i * frameBytes, (i + 1) * frameBytes)] : []));
    writeFileSync(join(dir, 'decoded.yuv'), Buffer.concat(decoded));
    const reference = readFileSync(join(dir, 'reference.yuv'));
    const frames = Array.from({ length: reference.length / frameBytes }, (_, i) =>
      reference.subarray(i * frameBytes, (i + 1) * frameBytes),
    );
    const h264Psnr = ffmpegPsnr(join(dir, 'decoded.yuv'), join(dir, 'reference.yuv'), width, height);
    const ladder = [];
    for (const quality of QUALITIES) {
      const jpegs = frames.map((frame) => encodeSync(frame, { width, height, format: 'i420', quality, subsampling: '420' }));
      writeFileSync(join(dir, 'q.mjpeg'), Buffer.concat(jpegs));
      // The JPEGs' planes as they are (full-range 4:2:0, as turbocam wrote them from the frames' planes).
      decodeTo(join(dir, 'q.mjpeg'), 'mjpeg', 'yuvj420p', join(dir, 'q.yuv'));
      const psnr = ffmpegPsnr(join(dir, 'q.yuv'), join(dir, 'reference.yuv'), width, height);
      ladder.push({ quality, psnr, bytesPerFrame: jpegs.reduce((n, j) => n + j.length, 0) / jpegs.length });
      if (psnr >= h264Psnr) break;
    }
    const rung = equalPsnrRung(ladder, h264Psnr);
    return {
      ...run,
      compared: frames.length,
      h264Psnr,
      ladder,
      jpegAtEqualPsnr: rung,
      bytesRatio: rung && run.h264BytesPerFrame ? rung.bytesPerFrame / run.h264BytesPerFrame : null,
      cpuRatio: run.h264CpuMsPerFrame && run.jpegCpuMsPerFrame ? run.h264CpuMsPerFrame / run.jpegCpuMsPerFrame : null,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (value, digits = 2) => (value == null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits));

/** The h264 part as lines of text. */
export function h264Section(h264, table) {
  if (!h264) return [];
  if (h264.error) return [`H.264: not run (${h264.error})`];
  const rung = h264.jpegAtEqualPsnr;
  const rows = [
    ['coder', 'CPU ms/frame', 'bytes/frame', 'Y-PSNR dB'],
    [`${h264.encoder} ${h264.bitrateKbps} kbit/s`, fmt(h264.h264CpuMsPerFrame, 3), fmt(h264.h264BytesPerFrame, 0), fmt(h264.h264Psnr)],
    [
      'encodeSync JPEG q80',
      fmt(h264.jpegCpuMsPerFrame, 3),
      fmt(h264.jpegQ80BytesPerFrame, 0),
      fmt(h264.ladder.find((r) => r.quality === 80)?.psnr),
    ],
    [rung ? `JPEG q${rung.quality} (equal PSNR)` : 'JPEG (no rung reaches it)', '-', fmt(rung?.bytesPerFrame, 0), fmt(rung?.psnr)],
  ];
  return [
    `H.264: ${h264.width}x${h264.height}@${h264.fps} testsrc, an IDR every ${h264.keyframeInterval} frames, ${h264.coded} frames coded in ${h264.seconds} s on tc-h264; ` +
      `PSNR by ffmpeg over ${h264.compared} frames`,
    table(rows),
    `MJPEG needs ${fmt(h264.bytesRatio, 1)}x the bytes of H.264 at equal PSNR; OpenH264 costs ${fmt(h264.cpuRatio)}x encodeSync's CPU per frame`,
  ];
}
