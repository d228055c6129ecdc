// Part 3: 0, 1, 10, 100 and 500 loopback viewers of the real CLI's /stream at 720p30. The clients
// live in separate processes (at most 250 sockets each) so the server's figures are its own.
// Server CPU and RSS come from /proc/<pid>; the 0-viewer level is the baseline that "beyond
// encoding" is measured against (capture, encode and idle timers, with no one to serve).
import { fork } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, firstJpegByte, freePort, rssMb, spawnServer, stopServer } from './server-process.mjs';
import { median, quantile } from './stats.mjs';

const CLIENTS_SCRIPT = fileURLToPath(new URL('./fanout-clients.mjs', import.meta.url));
const PER_PROCESS = 250;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function runClients(port, count, warmup, window) {
  return new Promise((resolve, reject) => {
    const child = fork(CLIENTS_SCRIPT, [String(port), String(count), String(warmup), String(window)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`client process exited ${code}: ${err.slice(-500)}`));
      try {
        resolve(JSON.parse(out));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The server's own account (/state): its source fps and drops explain a client shortfall. */
function serverState(port) {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/state', timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body).result?.source ?? null);
        } catch {
          resolve(null);
        }
      });
    });
    request.on('error', () => resolve(null));
    request.on('timeout', () => request.destroy());
  });
}

async function runLevel({ port, pid, clients, warmup, window }) {
  const processes = [];
  for (let left = clients; left > 0; left -= PER_PROCESS) processes.push(runClients(port, Math.min(PER_PROCESS, left), warmup, window));
  await sleep(warmup * 1000);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  let rssMax = rssMb(pid);
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssMb(pid));
  }, 200);
  await sleep(window * 1000);
  clearInterval(sampler);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cores = (cpuSeconds(pid) - cpu0) / seconds;
  rssMax = Math.max(rssMax, rssMb(pid));
  const source = await serverState(port);
  const results = await Promise.all(processes);
  const perClient = results.flatMap((r) => r.clients);
  const latencies = results.flatMap((r) => r.latencies);
  const fps = perClient.map((c) => c.fps);
  const delivered = perClient.reduce((sum, c) => sum + c.frames, 0);
  const deliveredPerSecond = results.reduce((sum, r) => sum + r.clients.reduce((s, c) => s + c.frames, 0) / r.seconds, 0);
  return {
    clients,
    serverCores: cores,
    serverCpuMsPerDeliveredFrame: delivered > 0 ? (cores * 1000) / deliveredPerSecond : null,
    rssMb: rssMax,
    clientCores: results.reduce((sum, r) => sum + r.cores, 0),
    sourceFps: source?.captured_fps ?? null,
    encodeMs: source?.encode_ms ?? null,
    sourceDropped: source?.dropped ?? null,
    fpsMin: clients ? Math.min(...fps) : null,
    fpsMedian: clients ? median(fps) : null,
    fpsP05: clients ? quantile(fps, 0.05) : null,
    starvedClients: clients ? fps.filter((f) => f < median(fps) / 2).length : null,
    latencyP50Ms: latencies.length ? quantile(latencies, 0.5) : null,
    latencyP99Ms: latencies.length ? quantile(latencies, 0.99) : null,
    delivered,
    errors: perClient.filter((c) => c.error).length,
    firstError: perClient.find((c) => c.error)?.error ?? null,
    badParts: results.reduce((sum, r) => sum + r.badParts, 0),
  };
}

export async function benchFanout({ cli, quick, log, encodeCores }) {
  const levels = [0, 1, 10, 100, 500];
  const warmup = quick ? 1 : 2;
  const window = quick ? 3 : 6;
  const port = await freePort();
  const server = spawnServer({ cli, port, width: 1280, height: 720, fps: 30 });
  const results = [];
  try {
    await firstJpegByte({ port, child: server });
    for (const clients of levels) {
      log(`fan-out ${clients} clients`);
      results.push(await runLevel({ port, pid: server.pid, clients, warmup, window }));
    }
  } finally {
    await stopServer(server);
  }
  const baseline = results[0]?.serverCores ?? 0;
  for (const level of results) {
    level.serverCoresBeyondBaseline = level.serverCores - baseline;
    level.serverCoresBeyondEncode = encodeCores == null ? null : level.serverCores - encodeCores;
  }
  return { width: 1280, height: 720, fps: 30, warmupSeconds: warmup, windowSeconds: window, encodeCores, levels: results };
}
