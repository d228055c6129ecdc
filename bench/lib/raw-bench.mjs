// The raw part (issue 15): what raw output costs against JPEG output. The same testsrc camera at
// 720p30 with output 'jpeg', 'raw' and 'both', each in its own process (raw-run.mjs), in rounds
// that alternate the three so they see the same machine; CPU per captured frame by thread
// (capture, the workers that copy and encode, the JS main thread that takes the frames, the rest),
// and each output's total against 'jpeg''s in the same run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { STAGES, perFrameMs } from './cost.mjs';

const RUN_SCRIPT = fileURLToPath(new URL('./raw-run.mjs', import.meta.url));
export const OUTPUTS = ['jpeg', 'raw', 'both'];

function runOnce(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [RUN_SCRIPT, ...args.map(String)], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(JSON.parse(stdout));
      const reason = stderr.split('\n').find((line) => /Error|error:/.test(line)) ?? error.message;
      reject(new Error(`raw run failed: ${reason.trim()}`));
    });
  });
}

/** Rounds summed per output: CPU of every round over the frames of every round. */
export function summarise(runs) {
  return OUTPUTS.map((output) => {
    const mine = runs.filter((r) => r.output === output);
    const ns = Object.fromEntries(STAGES.map((s) => [s, mine.reduce((sum, r) => sum + r.ns[s], 0)]));
    const captured = mine.reduce((sum, r) => sum + r.captured, 0);
    const sum = (key) => mine.reduce((total, r) => total + r[key], 0);
    return {
      output,
      rounds: mine.length,
      captured,
      jpegs: sum('jpegs'),
      raws: sum('raws'),
      encoded: sum('encoded'),
      perFrameMs: perFrameMs(ns, captured),
    };
  }).map((row, _, rows) => {
    const jpeg = rows.find((r) => r.output === 'jpeg')?.perFrameMs?.total;
    return { ...row, vsJpeg: jpeg && row.perFrameMs ? row.perFrameMs.total / jpeg : null };
  });
}

export async function benchRaw({ quick, log, width = 1280, height = 720, fps = 30, workers = 2 }) {
  const warmup = quick ? 1 : 2;
  const window = quick ? 3 : 6;
  const rounds = quick ? 1 : 2;
  const runs = [];
  for (let round = 1; round <= rounds; round++) {
    for (const output of OUTPUTS) {
      log(`raw ${output} ${width}x${height}@${fps}, round ${round}/${rounds}`);
      runs.push(await runOnce([output, width, height, fps, workers, warmup, window]));
    }
  }
  return { width, height, fps, workers, windowSeconds: window, rounds, runs, outputs: summarise(runs) };
}

const fmt = (value, digits = 2) => (value == null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits));

/** The raw part as lines of text. */
export function rawSection(raw, table) {
  if (!raw) return [];
  if (raw.error) return [`Raw output: not run (${raw.error})`];
  const rows = [['output', 'frames', 'JPEGs', 'raw', 'capture', 'workers', 'JS main', 'other', 'total', 'x jpeg']];
  for (const r of raw.outputs) {
    const f = r.perFrameMs ?? {};
    rows.push([
      r.output,
      r.captured,
      r.jpegs,
      r.raws,
      fmt(f.capture, 3),
      fmt(f.encode, 3),
      fmt(f.main, 3),
      fmt(f.other, 3),
      fmt(f.total, 3),
      fmt(r.vsJpeg),
    ]);
  }
  return [
    `Raw output: CPU ms per captured frame by thread, a Camera on testsrc ${raw.width}x${raw.height}@${raw.fps}, ${raw.workers} workers, q80 4:2:0, ` +
      `${raw.rounds} alternating rounds of ${raw.windowSeconds} s; raw frames read (a byte a line) and released, JPEGs counted`,
    table(rows, [0]),
  ];
}
