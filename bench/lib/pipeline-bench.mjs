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
 * 1-worker probe at 1000 fps finds the encode rate R; each run then asks for 1.25 x workers x R
 * (at most 1000), enough to keep every worker busy without rendering much to throw away.
 */
export async function benchPipeline({ quick, log, width = 1280, height = 720, format = 'yuyv' }) {
  const warmup = quick ? 0.5 : 1;
  const window = quick ? 2 : 4;
  log('pipeline probe');
  const probe = await runOnce([1, width, height, format, 1000, 0.5, 1]);
  const runs = [];
  for (const workers of workerCounts()) {
    const fps = Math.min(1000, Math.ceil(1.25 * workers * probe.fps));
    log(`pipeline ${workers} worker(s) at ${fps} fps asked`);
    runs.push(await runOnce([workers, width, height, format, fps, warmup, window]));
  }
  const one = runs.find((r) => r.workers === 1);
  const two = runs.find((r) => r.workers === 2);
  return { width, height, format, cores: availableParallelism(), probeFps: probe.fps, renderMsPerFrame: await renderMs(width, height, format),
    runs, scaling2w: one && two ? two.fps / one.fps : null };
}
