#!/usr/bin/env node
// npm run bench [-- --quick] [--json] [--compare FILE] [--board FILE] [--only encoder,pipeline,fanout,startup,cost,rotate,encoders,raw,h264,webrtc] [--cli PATH] [--out DIR]
// Measures turbocam against baselines run in the same process tree on the same machine, writes the
// results to bench/results/<time>.json (and latest.json; --out DIR instead of bench/results), prints the tables, the targets and what
// they predict for a Pi core (from the anchors, or from a run posted from a board with --board).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { boardEstimates } from './lib/board-estimate.mjs';
import { benchCost } from './lib/cost-bench.mjs';
import { benchEncoder } from './lib/encoder-bench.mjs';
import { benchEncoders } from './lib/encoders-bench.mjs';
import { benchFanout } from './lib/fanout-bench.mjs';
import { benchH264 } from './lib/h264-bench.mjs';
import { benchPipeline } from './lib/pipeline-bench.mjs';
import { benchRaw } from './lib/raw-bench.mjs';
import { renderComparison, renderReport } from './lib/report.mjs';
import { benchRotate } from './lib/rotate-bench.mjs';
import { benchStartup } from './lib/startup-bench.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PARTS = ['encoder', 'pipeline', 'fanout', 'startup', 'cost', 'rotate', 'encoders', 'raw', 'h264', 'webrtc'];

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      compare: { type: 'string' },
      board: { type: 'string' },
      only: { type: 'string' },
      cli: { type: 'string', default: join(ROOT, 'dist/cli/main.js') },
      out: { type: 'string', default: join(ROOT, 'bench/results') },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(
    `bench: ${error.message}\nusage: npm run bench -- [--quick] [--json] [--compare FILE] [--board FILE] [--only ${PARTS.join(',')}] [--cli PATH] [--out DIR]`,
  );
  process.exit(2);
}
if (options.help) {
  console.log(
    `usage: npm run bench -- [--quick] [--json] [--compare FILE] [--board FILE] [--only ${PARTS.join(',')}] [--cli PATH] [--out DIR]`,
  );
  process.exit(0);
}
const only = options.only ? options.only.split(',') : PARTS;
const unknown = only.filter((p) => !PARTS.includes(p));
if (unknown.length) {
  console.error(`bench: unknown part ${unknown.join(', ')} (parts: ${PARTS.join(', ')})`);
  process.exit(2);
}
function readRun(file, flag) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`bench: --${flag} ${file}: ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  }
}
const saved = options.compare ? readRun(options.compare, 'compare') : null;
const postedBoard = options.board ? readRun(options.board, 'board') : null;

const log = (message) => process.stderr.write(`bench: ${message}\n`);
const buildDir = join(ROOT, 'bench/.build');
const started = process.hrtime.bigint();

function libturbojpegVersion() {
  try {
    return execFileSync('pkg-config', ['--modversion', 'libturbojpeg'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const results = {
  schema: 1,
  startedAt: new Date().toISOString(),
  quick: options.quick,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? null,
    node: process.version,
    libturbojpeg: libturbojpegVersion(),
    loadavgStart: loadavg(),
  },
};

// A part that throws is recorded as { error } so the rest still runs, and fails the bench at the end.
const failedParts = [];
async function part(name, run) {
  if (!only.includes(name)) return;
  const t0 = process.hrtime.bigint();
  try {
    results[name] = await run();
  } catch (error) {
    results[name] = { error: error instanceof Error ? error.message : String(error) };
    log(`${name} failed: ${results[name].error}`);
    failedParts.push(name);
  }
  log(`${name} done in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
}

const cliMissing = existsSync(options.cli) ? null : `CLI not built (${options.cli}); run npm run build`;
await part('encoder', () => benchEncoder({ buildDir, quick: options.quick, log }));
await part('pipeline', () => benchPipeline({ quick: options.quick, log }));
const oneWorker = results.pipeline?.runs?.find((r) => r.workers === 1);
const encodeCores = oneWorker?.cpuMsPerFrame != null ? (oneWorker.cpuMsPerFrame * 30) / 1000 : null;
await part('fanout', () => {
  if (cliMissing) throw new Error(cliMissing);
  return benchFanout({ cli: options.cli, quick: options.quick, log, encodeCores });
});
await part('startup', () => {
  if (cliMissing) throw new Error(cliMissing);
  return benchStartup({ cli: options.cli, quick: options.quick, log });
});
await part('cost', () => {
  if (cliMissing) throw new Error(cliMissing);
  return benchCost({ cli: options.cli, quick: options.quick, log });
});
await part('rotate', () => benchRotate({ quick: options.quick, log }));
await part('encoders', () => benchEncoders({ quick: options.quick, log }));
await part('raw', () => benchRaw({ quick: options.quick, log }));
await part('h264', () => benchH264({ quick: options.quick, log, dir: buildDir }));
// The WebRTC library's figures come from its own script (it runs turbocam's WHEP route from dist/).
await part('webrtc', () => {
  if (cliMissing) throw new Error(cliMissing);
  const script = join(ROOT, 'bench/webrtc-bench.mjs');
  const seconds = options.quick ? '3' : '5';
  return JSON.parse(
    execFileSync(process.execPath, [script, '--json', '--seconds', seconds], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
});

results.machine.loadavgEnd = loadavg();
results.boardEstimate = boardEstimates(results, postedBoard);
results.seconds = Number(process.hrtime.bigint() - started) / 1e9;
const resultsDir = options.out;
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `${results.startedAt.replace(/[:.]/g, '-')}${options.quick ? '-quick' : ''}.json`);
const json = `${JSON.stringify(results, null, 2)}\n`;
writeFileSync(file, json);
writeFileSync(join(resultsDir, 'latest.json'), json);

if (options.json) {
  process.stdout.write(json);
} else {
  console.log(renderReport(results));
  if (saved) console.log(`\n${renderComparison(results, saved)}`);
  console.log(`\nResults: ${file} (${results.seconds.toFixed(0)} s)`);
}
if (failedParts.length) {
  log(`FAILED: ${failedParts.join(', ')}`);
  process.exitCode = 1;
}
