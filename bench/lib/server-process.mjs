// The turbocam CLI as the fan-out and start-up benches see it: a child process, its /proc figures,
// and a client that waits for the first JPEG byte.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { MjpegReader } from './mjpeg-reader.mjs';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** A loopback port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system, all threads) the process has used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size in MB. */
export function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Spawns the CLI streaming the test pattern; stderr is kept for error messages. */
export function spawnServer({ cli, port, width = 1280, height = 720, fps = 30, extraArgs = [] }) {
  const args = [
    cli,
    '--source',
    'testsrc',
    '--resolution',
    `${width}x${height}`,
    '--fps',
    String(fps),
    '--port',
    String(port),
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderrTail = '';
  child.stderr.on('data', (chunk) => {
    child.stderrTail = (child.stderrTail + chunk).slice(-2000);
  });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

export async function stopServer(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await child.exited;
  clearTimeout(timer);
}

/**
 * Connects to /stream (retrying every few ms until the server listens) and resolves with the
 * hrtime in ms at which the first JPEG byte arrived. Rejects after timeoutMs or if the child exits.
 */
export function firstJpegByte({ port, child, timeoutMs = 10_000, pollMs = 5 }) {
  return new Promise((resolve, reject) => {
    let done = false;
    let socket = null;
    const finish = (error, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket?.destroy();
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`no JPEG within ${timeoutMs} ms; server said: ${child?.stderrTail ?? ''}`)), timeoutMs);
    child?.exited.then(({ code, signal }) =>
      finish(new Error(`server exited (${code ?? signal}) before the first frame: ${child.stderrTail}`)),
    );
    const attempt = () => {
      if (done) return;
      socket = connect({ host: '127.0.0.1', port });
      const reader = new MjpegReader({
        onPart() {},
        onBodyStart: (ms) => finish(null, ms),
        onError: (error) => finish(error),
      });
      socket.on('connect', () => socket.write(`GET /stream HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
      socket.on('data', (chunk) => reader.push(chunk));
      socket.on('error', () => {
        socket.destroy();
        if (!done) setTimeout(attempt, pollMs);
      });
    };
    attempt();
  });
}
