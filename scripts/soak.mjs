// Soak test: the real CLI server, twice (the test pattern, and an MJPEG FIFO this driver feeds and
// stalls), under N minutes of mixed traffic: viewers joining and leaving at random, slow and
// stalled readers, slowloris partial requests, malformed requests, oversized headers, snapshots
// and state polls. A third server, under `ulimit -n 1024`, streams a camera that never sends EOI
// (soak/eoi-less-camera.mjs) and takes descriptor floods of 1100 connections (soak/flood.mjs).
// Reports requests served, errors, RSS and open fds, and exits non-zero when a target is missed:
// any crash or unexpected answer (a connection closed without a status line included), a stalled
// reader or slowloris peer the server did not cut, a FIFO stall the source did not recover from,
// RSS drift >= 10 % after warm-up, fds not back to their starting count.
// Its randomness is seeded: the seed is printed, and --seed replays the same mix of traffic.
//   npm run soak -- --minutes N [--seed S]   (needs `npm run build`; the npm script builds first)
// A new kind of traffic is one entry in SCENARIOS; a check of its own goes in its `verdict`.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repairCounts, startEoiLessCamera } from './soak/eoi-less-camera.mjs';
import { floodLoop } from './soak/flood.mjs';

const argv = process.argv.slice(2);
const flag = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const minutes = Number(flag('--minutes') ?? 2);
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) {
  console.error('soak: --minutes wants a number in (0, 1440]');
  process.exit(2);
}
const seed = Number(flag('--seed') ?? Math.floor(Math.random() * 2 ** 32));
if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
  console.error('soak: --seed wants an integer in [0, 2^32)');
  process.exit(2);
}
// mulberry32: small, and the same sequence for the same seed on every machine.
let state = seed;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
console.log(`soak: seed ${seed} (replay with --seed ${seed})`);
const durationMs = minutes * 60_000;
const warmUpMs = Math.min(30_000, durationMs * 0.2);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 24);
const ROOT = new URL('..', import.meta.url).pathname;

const counts = { requests: 0, streams: 0, frames: 0, byStatus: new Map(), unexpected: 0 };
const unexpected = [];
function note(kind, detail) {
  counts.unexpected += 1;
  if (unexpected.length < 20) unexpected.push(`${kind}: ${detail}`);
}
function status(code) {
  counts.requests += 1;
  counts.byStatus.set(code, (counts.byStatus.get(code) ?? 0) + 1);
}

async function freePort() {
  const server = createNetServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startServer(name, args, { ulimit } = {}) {
  const port = await freePort();
  const command = [
    process.execPath,
    join(ROOT, 'dist/cli/main.js'),
    ...args,
    '--port',
    String(port),
    '--client-timeout',
    '3',
    '--log-level',
    'info',
  ];
  // A descriptor limit is set in a shell first (soft and hard), as systemd or a login shell would.
  const [file, ...rest] = ulimit === undefined ? command : ['sh', '-c', `ulimit -n ${ulimit}; exec "$@"`, 'sh', ...command];
  const child = spawn(file, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
  const server = { name, port, child, exited: null, logLines: 0, rss: [], fdStart: 0 };
  child.stderr.on('data', (chunk) => (server.logLines += chunk.toString().split('\n').length - 1));
  child.on('exit', (code, signal) => (server.exited = { code, signal }));
  for (let i = 0; i < 100; i++) {
    if (await probe(port)) return server;
    if (server.exited) break;
    await sleep(100);
  }
  throw new Error(`soak: ${name} server did not come up (${JSON.stringify(server.exited)})`);
}

function probe(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const fdsOf = (pid) => readdirSync(`/proc/${pid}/fd`).length;

// One raw HTTP exchange: writes `request` (optionally a byte at a time), reads until close or
// `holdMs`, optionally pausing reads to play a stalled viewer. Resolves with the status and
// whether the server closed the connection.
function exchange(port, request, { holdMs = 5000, dribbleMs = 0, stallReads = false } = {}) {
  // Nothing outlives the soak by more than a few seconds; an exchange cut short for that
  // (`shortened`) cannot tell whether the server would have ended it.
  const wanted = holdMs;
  holdMs = Math.max(0, Math.min(holdMs, until + 3000 - Date.now()));
  const shortened = holdMs < wanted;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    let bytes = 0;
    let done = false;
    const finish = (closedByServer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(drip);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: match ? Number(match[1]) : 0, closedByServer, bytes, head, shortened });
    };
    const timer = setTimeout(() => finish(false), holdMs);
    let drip;
    socket.on('connect', () => {
      if (dribbleMs > 0) {
        let at = 0;
        drip = setInterval(() => {
          if (at < request.length) socket.write(request.slice(at, ++at));
        }, dribbleMs);
      } else {
        socket.write(request);
      }
      if (stallReads) {
        // A paused socket never reports the server's close; reading again after the server's
        // client timeout (3 s) drains what the kernel holds and then sees whether it was cut.
        socket.pause();
        setTimeout(() => socket.resume(), 8000);
      }
    });
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      if (head.length < 512) head += chunk.toString('latin1', 0, Math.min(chunk.length, 512));
      if (bytes > 0 && head.includes('--turbocamframe')) counts.frames += chunk.toString('latin1').split('--turbocamframe').length - 1;
    });
    socket.on('error', (error) => {
      if (error.code === 'ECONNREFUSED') note('refused', `port ${port}`);
      finish(true);
    });
    socket.on('close', () => finish(true));
  });
}

const pick = (list) => list[Math.floor(random() * list.length)];
const between = (a, b) => a + random() * (b - a);
const EXPECTED = new Set([200, 400, 404, 405, 408, 431, 503]);

// Each kind of traffic: how often (weight), one exchange (run), and whether the server must
// answer it with a status line (every request sent whole must be answered, or closed with one).
// `verdict(tally)`, when given, returns what went wrong with this kind over the whole soak.
const SCENARIOS = [
  {
    name: 'viewer',
    weight: 0.3,
    run: (port) => {
      counts.streams += 1;
      const query = pick(['', '?fps=5', '?fps=1&key=soak', '?advance_headers=1', '?dual_final_frames=1&extra_headers=1']);
      return exchange(port, `GET /stream${query} HTTP/1.1\r\nHost: soak\r\n\r\n`, { holdMs: between(500, 8000) });
    },
  },
  {
    // A viewer that stops reading: the server must cut it (client timeout 3 s), not buffer for it.
    name: 'stalled reader',
    weight: 0.1,
    run: (port) => exchange(port, 'GET /stream HTTP/1.1\r\nHost: soak\r\n\r\n', { holdMs: 15_000, stallReads: true }),
    // A reader is cut for frames it does not drain: not while the FIFO source stalls (6 s of 25).
    mustBeCut: (server) => server.name !== 'fifo',
  },
  {
    name: 'poll',
    weight: 0.2,
    run: (port) =>
      exchange(
        port,
        `GET ${pick(['/snapshot', '/state', '/metrics', '/', '/?action=snapshot', '/nope', '/../../etc/passwd'])} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n`,
      ),
  },
  {
    // Slowloris: a header byte every 1.5 s; the server's head deadline (--server-timeout, 10 s) ends it with a 408.
    name: 'slowloris',
    weight: 0.07,
    run: (port) =>
      exchange(port, `GET /stream HTTP/1.1\r\nHost: soak\r\nX-Slow: ${'z'.repeat(60)}\r\n\r\n`, { holdMs: 45_000, dribbleMs: 1500 }),
    mustBeCut: () => true,
    // Its head never completes, so no answer is owed: a 408, or a close by the flood budget.
    noAnswerOwed: true,
  },
  {
    name: 'malformed',
    weight: 0.13,
    run: (port) =>
      exchange(
        port,
        pick([
          'GARBAGE\r\n\r\n',
          'GET / HTTP/7.0\r\n\r\n',
          '\x16\x03\x01\x00\xa5\x01\x00',
          'POST /stream HTTP/1.1\r\nHost: soak\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc',
          'GET /stream?fps=abc HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n',
          'GET //[ HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n',
        ]),
      ),
  },
  {
    name: 'oversized head',
    weight: 0.1,
    run: (port) => exchange(port, `GET /state HTTP/1.1\r\nHost: soak\r\nX-Big: ${'b'.repeat(between(17_000, 200_000) | 0)}\r\n\r\n`),
  },
  {
    // Connect and vanish, with or without a request: no answer is owed.
    name: 'vanish',
    weight: 0.1,
    run: (port) => exchange(port, pick(['', 'GET /stream HTTP/1.1\r\nHost: soak\r\n\r\n']), { holdMs: between(0, 300) }),
    noAnswerOwed: true,
  },
];
const totalWeight = SCENARIOS.reduce((sum, s) => sum + s.weight, 0);
const tallies = new Map(SCENARIOS.map((s) => [s.name, { ran: 0, cut: 0, notCut: 0, shortened: 0 }]));

async function oneAction(server) {
  let roll = random() * totalWeight;
  const scenario = SCENARIOS.find((s) => (roll -= s.weight) < 0) ?? SCENARIOS.at(-1);
  const tally = tallies.get(scenario.name);
  tally.ran += 1;
  const result = await scenario.run(server.port);
  if (result.shortened) tally.shortened += 1;
  if (scenario.mustBeCut?.(server) && !result.shortened) {
    if (result.closedByServer) tally.cut += 1;
    else {
      tally.notCut += 1;
      note(scenario.name, `not cut by ${server.name} within the hold`);
    }
  }
  if (scenario.noAnswerOwed && result.status === 0) return;
  if (result.status === 0) {
    // Open at the end of the hold with nothing said is a stream still waiting, or a peer still
    // dribbling; closed with nothing said is a reset where an answer was owed.
    if (result.closedByServer) {
      status(0);
      note('no status line', `${server.name} closed a ${scenario.name} connection without answering`);
    }
    return;
  }
  status(result.status);
  if (!EXPECTED.has(result.status)) note('status', `${result.status} from ${server.name}: ${result.head.slice(0, 80)}`);
}

/** A counter from the server's /metrics. */
function metric(port, name) {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)));
    }).on('error', reject);
  });
}

// The FIFO source: JPEGs at ~20 fps, with a 6 s stall every 25 s; the source must capture again
// once frames return. (A pipe has no --device-timeout: a stall is only frames not coming.)
let feeding = true;
async function feedFifo(fifo, serverReady) {
  const frames = [0, 1, 2, 3].map((i) =>
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=320x240:rate=1`,
      '-vf',
      `trim=start_frame=${i}`,
      '-frames:v',
      '1',
      '-f',
      'mjpeg',
      '-',
    ]),
  );
  const out = createWriteStream(fifo);
  out.on('error', () => undefined);
  let n = 0;
  let stalls = 0;
  const checks = [];
  while (feeding) {
    if (n > 0 && n % 500 === 0) {
      stalls += 1;
      await sleep(6000);
      const { port } = await serverReady;
      const before = await metric(port, 'turbocam_frames_captured_total').catch(() => NaN);
      // Captures resume within a generous bound once writing does; checked while feeding on.
      const stall = stalls;
      checks.push(
        (async () => {
          for (const end = Date.now() + 15_000; Date.now() < end; await sleep(250)) {
            if ((await metric(port, 'turbocam_frames_captured_total').catch(() => NaN)) > before) return 'recovered';
          }
          if (!feeding) return 'ended';
          note('fifo', `no frame captured within 15 s after stall ${stall}`);
          return 'stuck';
        })(),
      );
    }
    if (!out.write(frames[n % frames.length])) await new Promise((resolve) => out.once('drain', resolve));
    n += 1;
    await sleep(50);
  }
  out.end();
  const outcomes = await Promise.all(checks);
  const recovered = outcomes.filter((o) => o === 'recovered').length;
  if (stalls === 0 && durationMs >= 60_000) note('fifo', 'no stall within the soak: recovery untested');
  return { frames: n, stalls, recovered };
}

const dir = mkdtempSync(join(tmpdir(), 'turbocam-soak-'));
const fifo = join(dir, 'frames.fifo');
execFileSync('mkfifo', [fifo]);
const started = Date.now();
const until = started + durationMs;
const servers = [];
let exitCode = 0;
try {
  servers.push(await startServer('testsrc', ['--source', 'testsrc', '--resolution', '640x480', '--fps', '30', '--workers', '1']));
  const fifoServer = startServer('fifo', ['--source', fifo, '--format', 'mjpeg', '--persistent', '--device-timeout', '2']);
  const fed = feedFifo(fifo, fifoServer);
  servers.push(await fifoServer);
  const eoiLess = await startEoiLessCamera({ dir, startServer, options: { ulimit: 1024 } });
  servers.push(eoiLess.server);
  // The start-up probes' sockets close first.
  await sleep(1000);
  for (const server of servers) server.fdStart = fdsOf(server.child.pid);

  const sampler = setInterval(() => {
    for (const server of servers) if (!server.exited) server.rss.push({ at: Date.now() - started, rss: rssOf(server.child.pid) });
  }, 1000);
  const flooding = floodLoop({ port: eoiLess.server.port, until, note });
  const workers = Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      const server = pick(servers);
      if (server.exited) return;
      await oneAction(server);
    }
  });
  await Promise.all(workers);
  const flooded = await flooding;
  const repairs = await repairCounts(eoiLess.server.port).catch(() => ({ repaired: 0, corrupt: NaN }));
  clearInterval(sampler);

  const windowMs = Math.min(15_000, (durationMs - warmUpMs) / 3);
  console.log(`soak: ${minutes} min, ${concurrency} concurrent clients, warm-up ${Math.round(warmUpMs / 1000)} s`);
  console.log(
    `soak: ${counts.requests} requests answered (${[...counts.byStatus]
      .sort()
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}), ${counts.streams} stream viewers, ~${counts.frames} frames received`,
  );
  for (const scenario of SCENARIOS) {
    const t = tallies.get(scenario.name);
    const cut = scenario.mustBeCut
      ? `, ${t.cut} cut by the server where required, ${t.notCut} not cut, ${t.shortened} ended by the soak's end`
      : '';
    console.log(`soak:   ${scenario.name}: ${t.ran}${cut}`);
    for (const problem of scenario.verdict?.(t) ?? []) note(scenario.name, problem);
  }
  for (const server of servers) {
    // fds settle once the last sockets close.
    let fdEnd = server.exited ? -1 : fdsOf(server.child.pid);
    for (let i = 0; i < 40 && !server.exited && fdEnd > server.fdStart; i++) {
      await sleep(250);
      fdEnd = fdsOf(server.child.pid);
    }
    const median = (list) => list.map((s) => s.rss).sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
    // Windows count from the first sample, so a slow start-up does not empty the baseline.
    const t0 = server.rss[0]?.at ?? 0;
    const last = server.rss.at(-1)?.at ?? 0;
    const base = median(server.rss.filter((s) => s.at - t0 >= warmUpMs && s.at - t0 < warmUpMs + windowMs));
    const end = median(server.rss.filter((s) => s.at >= last - windowMs));
    const first = server.rss[0]?.rss ?? 0;
    const drift = base > 0 ? (end - base) / base : 0;
    const mb = (n) => (n / 1048576).toFixed(1);
    if (server.name === 'fifo') {
      feeding = false;
      Object.assign(counts, { fed: await fed });
    }
    console.log(
      `soak: ${server.name}: ${server.exited ? `CRASHED ${JSON.stringify(server.exited)}` : 'alive'}; RSS start ${mb(first)} MB, after warm-up ${mb(base)} MB, end ${mb(end)} MB (drift ${(drift * 100).toFixed(1)} %); fds start ${server.fdStart}, end ${fdEnd}; ${server.logLines} log lines`,
    );
    if (server.exited) exitCode = 1;
    if (drift >= 0.1) exitCode = 1;
    // No sample in the baseline window (a start-up slower than the warm-up) would pass vacuously.
    if (base === 0 || end === 0) {
      console.log(`soak: ${server.name}: no RSS samples to compare (baseline ${mb(base)} MB, end ${mb(end)} MB)`);
      exitCode = 1;
    }
    if (server.exited || fdEnd > server.fdStart) exitCode = 1;
  }
  console.log(
    `soak: the FIFO got ${counts.fed.frames} frames with ${counts.fed.stalls} stalls of 6 s; captures resumed after ${counts.fed.recovered}`,
  );
  const eoiLessFed = await eoiLess.stop();
  console.log(
    `soak: the EOI-less camera got ${eoiLessFed} frames; ${repairs.repaired} served repaired, ${repairs.corrupt} rejected as corrupt`,
  );
  if (!(repairs.repaired >= eoiLessFed * 0.5) || repairs.corrupt !== 0)
    note('eoi-less', `${repairs.repaired} of ${eoiLessFed} frames repaired, ${repairs.corrupt} corrupt`);
  console.log(
    `soak: ${flooded.floods} floods of 1100 connections; ${flooded.pushedOut} pushed out by the budget; slowest snapshot during a flood ${flooded.slowestSnapshotMs} ms`,
  );
  if (counts.unexpected > 0) {
    console.log(`soak: ${counts.unexpected} unexpected answers:\n  ${unexpected.join('\n  ')}`);
    exitCode = 1;
  }
  console.log(exitCode === 0 ? 'soak: all targets met' : 'soak: TARGET MISSED');
} finally {
  for (const server of servers) if (!server.exited) server.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
