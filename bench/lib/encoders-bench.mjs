// Part 6: CPU and latency per frame for each encoder this machine has: the CPU's always, the V4L2
// M2M image and video encoders when a node for them exists (else the row says why not). The test
// pattern at 1280x720 yuyv, 30 fps, one worker, each encoder in its own process
// (encoders-run.mjs). CPU is measured here, on the host, never in the test VM.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUN_SCRIPT = fileURLToPath(new URL('./encoders-run.mjs', import.meta.url));
export const ENCODER_KINDS = ['cpu', 'm2m-image', 'm2m-video'];

/** Runs encoders-run.mjs with these options; resolves its JSON line. */
export function runEncoder(options, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [RUN_SCRIPT, JSON.stringify(options)], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (!error) return resolve(JSON.parse(stdout));
      reject(new Error(`encoder run failed: ${(stderr.split('\n').find((line) => /Error|error:/.test(line)) ?? error.message).trim()}`));
    });
  });
}

export async function benchEncoders({ quick, log }) {
  const rows = [];
  for (const encoder of ENCODER_KINDS) {
    log(`encoders: ${encoder}`);
    const run = await runEncoder({ encoder, width: 1280, height: 720, format: 'yuyv', fps: 30, seconds: quick ? 1.5 : 4 });
    rows.push(run.error ? { encoder, available: false, reason: run.error } : { ...run, encoder, available: true, encoderStats: undefined });
  }
  return { width: 1280, height: 720, format: 'yuyv', fps: 30, rows };
}

const fmt = (value, digits = 1) => (value == null ? '-' : Number(value).toFixed(digits));

export function encodersSection(result, table) {
  if (!result) return [];
  if (result.error) return [`Encoders: not run (${result.error})`];
  const rows = [['encoder', 'fps', 'encoder CPU ms/frame', 'process CPU ms/frame', 'latency ms (median)', 'p95', 'KB/frame']];
  const absent = [];
  for (const r of result.rows) {
    if (!r.available) absent.push(`${r.encoder}: not on this machine (${r.reason})`);
    else
      rows.push([
        r.encoder,
        fmt(r.fps),
        fmt(r.encoderCpuMsPerFrame, 2),
        fmt(r.processCpuMsPerFrame, 2),
        fmt(r.latencyMs.median),
        fmt(r.latencyMs.p95),
        fmt(r.bytesPerFrame / 1024),
      ]);
  }
  return [
    `Encoders: test pattern ${result.width}x${result.height} ${result.format} at ${result.fps} fps, one worker`,
    table(rows),
    ...absent,
  ];
}
