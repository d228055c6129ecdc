// Part 2: the test source through the worker pipeline with 1, 2 and N workers, unpaced.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const RUN_SCRIPT = fileURLToPath(new URL('./pipeline-run.mjs', import.meta.url));

function runOnce(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [RUN_SCRIPT, ...args.map(String)], { timeout: 60_000 }, (error, stdout, stderr) => {
      const reason = stderr.split('\n').find((line) => /Error|error:/.test(line)) ?? error.message;
      if (error) reject(new Error(`pipeline run failed: ${reason.trim()}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** Worker counts: 1, 2, the core count, and twice that when it is only 2 (oversubscription). */
export function workerCounts(cores = availableParallelism()) {
  return [...new Set([1, 2, cores, ...(cores <= 2 ? [cores * 2] : [])])].sort((a, b) => a - b);
}

export async function benchPipeline({ quick, log, width = 1280, height = 720, format = 'yuyv' }) {
  const warmup = quick ? 0.5 : 1;
  const window = quick ? 2 : 4;
  const runs = [];
  for (const workers of workerCounts()) {
    log(`pipeline ${workers} worker(s)`);
    runs.push(await runOnce([workers, width, height, format, warmup, window]));
  }
  const one = runs.find((r) => r.workers === 1);
  const two = runs.find((r) => r.workers === 2);
  return { width, height, format, cores: availableParallelism(), runs, scaling2w: one && two ? two.fps / one.fps : null };
}
