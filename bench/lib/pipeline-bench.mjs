// Part 2: the test source through the worker pipeline with 1, 2 and N workers, unpaced.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const RUN_SCRIPT = fileURLToPath(new URL('./pipeline-run.mjs', import.meta.url));

function runOnce(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [RUN_SCRIPT, ...args.map(String)], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(JSON.parse(stdout));
      const reason = stderr.split('\n').find((line) => /Error|error:/.test(line)) ?? error.message;
      reject(new Error(`pipeline run failed: ${reason.trim()}`));
    });
  });
}

/** Worker counts: 1, 2, the core count, and twice that when it is only 2 (oversubscription). */
export function workerCounts(cores = availableParallelism()) {
  return [...new Set([1, 2, cores, ...(cores <= 2 ? [cores * 2] : [])])].sort((a, b) => a - b);
}

/** Milliseconds of CPU the test source spends rendering one frame, which every pipeline frame
 *  includes (a camera would hand over its frame for free). */
async function renderMs(width, height, format) {
  const { testPattern } = await import('../../dist/index.js');
  let frames = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - t0) < 300e6 || frames < 3) testPattern({ width, height, format, frame: frames++ });
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / frames;
}

/**
 * The test source renders a frame every 1/fps s on the capture thread whether or not a worker is
 * free, so asking for 1000 fps would spend a core rendering frames that are then dropped. A short
 * 1-worker probe at 1000 fps finds the encode rate R; each run then asks for 1.5 x workers x R
 * (at most 1000), enough to keep every worker busy without rendering much to throw away.
 */
export async function benchPipeline({ quick, log, width = 1280, height = 720, format = 'yuyv' }) {
  const warmup = quick ? 0.5 : 1;
  const window = quick ? 1.5 : 3;
  const rounds = 2;
  log('pipeline probe');
  const probe = await runOnce([1, width, height, format, 1000, 0.5, 1]);
  // Rounds over every worker count, best run of each kept: a burst of other work on the machine
  // then spoils one run, not the scaling ratio.
  const best = new Map();
  for (let round = 1; round <= rounds; round++) {
    for (const workers of workerCounts()) {
      const fps = Math.min(1000, Math.ceil(1.5 * workers * probe.fps));
      log(`pipeline ${workers} worker(s) at ${fps} fps asked, round ${round}/${rounds}`);
      const run = await runOnce([workers, width, height, format, fps, warmup, window]);
      if (!best.has(workers) || run.fps > best.get(workers).fps) best.set(workers, run);
    }
  }
  const runs = [...best.values()];
  const one = best.get(1);
  const two = best.get(2);
  return {
    width,
    height,
    format,
    cores: availableParallelism(),
    probeFps: probe.fps,
    rounds,
    renderMsPerFrame: await renderMs(width, height, format),
    runs,
    scaling2w: one && two ? two.fps / one.fps : null,
  };
}
