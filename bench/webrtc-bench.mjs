#!/usr/bin/env node
// node bench/webrtc-bench.mjs [--libs node-datachannel,werift] [--viewers 1,5] [--seconds 5] [--json]
// How the WebRTC library was chosen (src/webrtc/library.ts): per library, the time from POST /whep
// to the answer, and the sending process's CPU per viewer at 720p30, 2 Mbit/s (ffmpeg's libx264,
// coded once up front and replayed, so no encoder runs in the measured process). CPU is from
// /proc/PID/stat (all threads), over --seconds, less the same process's CPU with no viewer.
// node-datachannel runs turbocam's own WHEP route from dist/ (`npm run build` first); werift is
// not a dependency of turbocam: `npm install --no-save werift@0.24` to measure it too.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, freePort } from './lib/server-process.mjs';
import { median } from './lib/stats.mjs';

const { values: options } = parseArgs({
  options: {
    libs: { type: 'string', default: 'node-datachannel,werift' },
    viewers: { type: 'string', default: '1,5' },
    seconds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const SERVER = fileURLToPath(new URL('./lib/webrtc-server.mjs', import.meta.url));
const VIEWERS = fileURLToPath(new URL('./lib/webrtc-viewers.mjs', import.meta.url));
const seconds = Number(options.seconds);
const log = (message) => process.stderr.write(`webrtc bench: ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function message(child, predicate) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => predicate(m) && (child.off('message', onMessage), resolve(m));
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.slice(1, 3).join(' ')} exited ${code}`)));
  });
}

async function cpuOver(pid) {
  const before = cpuSeconds(pid);
  await sleep(seconds * 1000);
  return (cpuSeconds(pid) - before) / seconds;
}

async function available(lib) {
  try {
    await import(lib);
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'turbocam-webrtc-bench-'));
const unitsFile = join(dir, 'units.h264');
log('coding 10 s of 720p30 at 2 Mbit/s with libx264');
execFileSync('ffmpeg', [
  ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '10'],
  ...['-c:v', 'libx264', '-profile:v', 'baseline', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-b:v', '2M', '-maxrate', '2M'],
  ...['-bufsize', '1M', '-g', '60', '-bf', '0', '-x264-params', 'aud=1:repeat-headers=1', '-f', 'h264', unitsFile],
]);

const results = [];
for (const lib of options.libs.split(',')) {
  if (!(await available(lib))) {
    log(`${lib}: not installed, skipped${lib === 'werift' ? ' (npm install --no-save werift@0.24)' : ''}`);
    results.push({ lib, skipped: 'not installed' });
    continue;
  }
  const port = await freePort();
  const server = fork(SERVER, [lib, unitsFile, String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await message(server, (m) => m.ready);
  await sleep(1000);
  const idle = await cpuOver(server.pid);
  const row = { lib, idleCpuPercent: idle * 100, runs: [] };
  for (const count of options.viewers.split(',').map(Number)) {
    const viewers = fork(VIEWERS, [String(port), String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const { answers } = await message(viewers, (m) => m.answers);
    await sleep(2000);
    viewers.send('bytes');
    const before = await message(viewers, (m) => m.bytes);
    const cpu = await cpuOver(server.pid);
    viewers.send('bytes');
    const after = await message(viewers, (m) => m.bytes);
    const kbps = after.bytes.map((b, i) => ((b - before.bytes[i]) * 8) / 1000 / seconds);
    row.runs.push({
      viewers: count,
      answerMs: answers,
      cpuPercent: cpu * 100,
      cpuPerViewerPercent: ((cpu - idle) * 100) / count,
      receivedKbpsMin: Math.min(...kbps),
    });
    log(
      `${lib}, ${count} viewer(s): answers ${answers.map((a) => a.toFixed(0)).join(' ')} ms; CPU ${(cpu * 100).toFixed(1)} % ` +
        `(idle ${(idle * 100).toFixed(1)} %): ${(((cpu - idle) * 100) / count).toFixed(1)} % per viewer; each received >= ${Math.min(...kbps).toFixed(0)} kbit/s`,
    );
    // libdatachannel's cleanup can hang on a viewer it dropped: a few seconds, then SIGKILL.
    const exited = new Promise((resolve) => viewers.once('exit', resolve));
    viewers.send('stop');
    const kill = setTimeout(() => viewers.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(kill);
    await sleep(1000);
  }
  const all = row.runs.flatMap((r) => r.answerMs);
  row.answerMsFirst = all[0];
  row.answerMsMedian = median(all.slice(1));
  results.push(row);
  server.kill();
  await new Promise((resolve) => server.once('exit', resolve));
}
rmSync(dir, { recursive: true, force: true });

if (options.json) console.log(JSON.stringify({ seconds, results }, null, 2));
else {
  console.log('library            answer (first / median)   CPU per viewer at 720p30 2 Mbit/s');
  for (const r of results) {
    if (r.skipped) {
      console.log(`${r.lib.padEnd(18)} skipped: ${r.skipped}`);
      continue;
    }
    const perViewer = r.runs.map((run) => `${run.viewers}: ${run.cpuPerViewerPercent.toFixed(1)} %`).join(', ');
    console.log(`${r.lib.padEnd(18)} ${`${r.answerMsFirst.toFixed(0)} / ${r.answerMsMedian.toFixed(0)} ms`.padEnd(25)} ${perViewer}`);
  }
}
