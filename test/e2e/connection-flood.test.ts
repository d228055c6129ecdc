// Connection floods against the real CLI and server: under `ulimit -n 1024`, 1100 half-open
// connections must not lock viewers out (the connection budget pushes the oldest out), and
// slowloris connections are cut by --server-timeout while a live viewer loses nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/cli.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

const HALF_OPEN = 'GET /stream HTTP/1.1\r\nHost: x\r\nX-Slow: ';

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

/** A connection from a given loopback address (127.0.0.0/8 is all local on Linux) that sends
 *  `bytes` once connected and records when the server closed it. */
function halfOpen(port: number, localAddress: string, bytes: string): { socket: Socket; openedAt: number; closedAt: number | undefined } {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  const entry = { socket, openedAt: Date.now(), closedAt: undefined as number | undefined };
  socket.on('connect', () => {
    entry.openedAt = Date.now();
    if (bytes !== '') socket.write(bytes);
  });
  socket.on('error', () => undefined);
  // Flowing, so the server's close is seen at once (a paused socket never reaches its end).
  socket.resume();
  socket.on('close', () => (entry.closedAt = Date.now()));
  return entry;
}

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

interface Cli {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

/** The built CLI on a free port, optionally under a descriptor limit set in the shell first. */
async function startCli(args: string, ulimit?: number): Promise<Cli> {
  ensureBuilt();
  const limit = ulimit === undefined ? '' : `ulimit -n ${ulimit}; `;
  const child = spawn('sh', ['-c', `${limit}exec "${process.execPath}" "${CLI}" -d testsrc -r 320x240 -p 0 --pause-after 600 ${args}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`CLI exited ${code}: ${stderr}`)));
  });
  return { child, port, stderr: () => stderr };
}

describe('a descriptor flood under ulimit -n 1024', () => {
  let cli: Cli;
  let port = 0;

  beforeAll(async () => {
    // Soft and hard limit both 1024, so raising to the hard limit cannot lift the budget.
    cli = await startCli('-f 30', 1024);
    port = cli.port;
  }, 60_000);

  afterAll(() => {
    cli.child.kill('SIGKILL');
  });

  it('keeps the snapshot, new viewers and an earlier viewer working, and gives every descriptor back', async () => {
    const pid = cli.child.pid ?? 0;
    expect(readFileSync(`/proc/${pid}/limits`, 'utf8')).toMatch(/^Max open files\s+1024\s+1024\s/m);
    const earlier = new StrictMjpegClient({ port, path: '/stream' });
    earlier.keepBodies = false;
    await earlier.waitForParts(5, 20_000);
    // Settle: the snapshot path and the metrics page have opened whatever they keep open.
    expect((await fetchRaw({ port }, '/snapshot')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const fdsAtStart = fdCount(pid);

    const partsBefore = earlier.parts.length;
    // 1100 connections from 100 loopback addresses (11 each, under the per-address cap), so it is
    // the descriptor budget that has to hold, not the per-address cap.
    const floodStarted = Date.now();
    const flood = Array.from({ length: 1100 }, (_, i) => halfOpen(port, `127.0.0.${2 + (i % 100)}`, HALF_OPEN));
    await until('flood connected', () => flood.every((f) => f.socket.readyState !== 'opening'), 10_000);
    // The budget (1024 - 64) has pushed the oldest out: the process cannot be holding all 1100.
    await until('oldest pushed out', () => flood.filter((f) => f.closedAt !== undefined).length >= 1100 - 960, 5_000);
    expect(fdCount(pid)).toBeLessThan(1024);

    let started = Date.now();
    const snapshot = await fetchRaw({ port }, '/snapshot');
    const snapshotMs = Date.now() - started;
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(snapshotMs).toBeLessThan(1000);

    started = Date.now();
    const newcomer = new StrictMjpegClient({ port, path: '/stream' });
    newcomer.keepBodies = false;
    await newcomer.waitForParts(1, 5_000);
    expect(Date.now() - started).toBeLessThan(1000);
    await newcomer.waitForParts(3, 5_000);
    newcomer.close();

    // The earlier viewer kept >= 90 % of the frames produced while the flood was held (its
    // sequence span), 6 s of it: short of the 10 s server timeout that would end the flood.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, floodStarted + 6000 - Date.now())));
    expect(flood.filter((f) => f.closedAt === undefined).length).toBeGreaterThan(800);
    const during = earlier.parts.slice(partsBefore);
    const sequences = during.map((p) => Number(p.headers.get('x-sequence')));
    const span = (sequences.at(-1) ?? 0) - (sequences[0] ?? 0) + 1;
    expect(span).toBeGreaterThan(10);
    expect(new Set(sequences).size / span).toBeGreaterThanOrEqual(0.9);
    expect(earlier.ended).toBe(false);

    const metrics = (await fetchRaw({ port }, '/metrics')).body.toString();
    expect(metric(metrics, 'turbocam_connections_shed_total', 'reason="budget"')).toBeGreaterThanOrEqual(1100 - 960);
    expect(metric(metrics, 'turbocam_connections_budget', '')).toBe(960);

    // The flood ends: every descriptor comes back within 15 s.
    for (const f of flood) f.socket.destroy();
    const floodEnded = Date.now();
    await until('descriptors back to their start', () => fdCount(pid) <= fdsAtStart, 15_000);
    expect(Date.now() - floodEnded).toBeLessThan(15_000);
    expect(cli.child.exitCode).toBeNull();
    expect(earlier.ended).toBe(false);
    earlier.close();
    // Shedding is logged once per reason per second at most, however many were shed.
    const shedLines = cli
      .stderr()
      .split('\n')
      .filter((line) => /pushed out at the connection budget/.test(line));
    expect(shedLines.length).toBeGreaterThan(0);
    expect(shedLines.length).toBeLessThanOrEqual(Math.ceil((Date.now() - floodEnded) / 1000) + 20);
    // Nor does anything else log per connection: 1100 connections, a few dozen lines at most.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(cli.stderr().split('\n').length).toBeLessThan(60);
  }, 90_000);
});

describe('slowloris against --server-timeout (default 10 s)', () => {
  let cli: Cli;
  let port = 0;

  beforeAll(async () => {
    cli = await startCli('-f 15');
    port = cli.port;
  }, 60_000);

  afterAll(() => {
    cli.child.kill('SIGKILL');
  });

  it('cuts 300 slowloris connections within 12 s while a live viewer loses nothing', async () => {
    const viewer = new StrictMjpegClient({ port, path: '/stream?key=live' });
    viewer.keepBodies = false;
    await viewer.waitForParts(3);
    // 20 addresses x 15: under the per-address cap, so the timeout is what cuts them.
    const slow = Array.from({ length: 300 }, (_, i) => halfOpen(port, `127.0.1.${1 + (i % 20)}`, 'G'));
    const request = 'ET /stream HTTP/1.1\r\nHost: x\r\nX-a: b\r\n';
    // One more byte a second each: a textbook slowloris that never finishes its head.
    let at = 0;
    const drip = setInterval(() => {
      for (const s of slow) if (!s.socket.destroyed && s.socket.readyState === 'open') s.socket.write(request[at % request.length] ?? 'x');
      at++;
    }, 1000);
    try {
      await until('every slowloris connection cut', () => slow.every((s) => s.closedAt !== undefined), 20_000);
    } finally {
      clearInterval(drip);
    }
    const longest = Math.max(...slow.map((s) => (s.closedAt ?? Infinity) - s.openedAt));
    expect(longest).toBeLessThanOrEqual(12_000);
    expect(longest).toBeGreaterThanOrEqual(9_000);

    const state = JSON.parse((await fetchRaw({ port }, '/state')).body.toString()) as {
      result: { stream: { clients_stat: Record<string, { key: string | null; sent: number; dropped: number }> } };
    };
    const live = Object.values(state.result.stream.clients_stat).find((c) => c.key === 'live');
    expect(live?.dropped).toBe(0);
    expect(live?.sent).toBeGreaterThan(50);
    expect(viewer.ended).toBe(false);
    expect(viewer.error).toBeUndefined();
    viewer.close();

    const metrics = (await fetchRaw({ port }, '/metrics')).body.toString();
    expect(metric(metrics, 'turbocam_connections_shed_total', 'reason="timeout"')).toBe(300);
    const timeoutLines = cli
      .stderr()
      .split('\n')
      .filter((line) => /within the server timeout/.test(line));
    expect(timeoutLines.length).toBeGreaterThan(0);
    expect(timeoutLines.length).toBeLessThanOrEqual(5);
  }, 60_000);

  it('caps connections without a request per address, and still serves that address', async () => {
    const before = metric((await fetchRaw({ port }, '/metrics')).body.toString(), 'turbocam_connections_shed_total', 'reason="address"');
    const pending = Array.from({ length: 40 }, () => halfOpen(port, '127.0.2.1', HALF_OPEN));
    // Past the grace (a second), the cap closes the oldest 24.
    await until('the oldest 24 closed', () => pending.filter((p) => p.closedAt !== undefined).length >= 24, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pending.filter((p) => p.closedAt === undefined).length).toBe(16);
    // A request from that address still gets through: it completes its head within the grace.
    const snapshot = halfOpen(port, '127.0.2.1', 'GET /snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let answer = '';
    snapshot.socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    await until('snapshot answered', () => snapshot.closedAt !== undefined, 5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    const after = metric((await fetchRaw({ port }, '/metrics')).body.toString(), 'turbocam_connections_shed_total', 'reason="address"');
    expect(after - before).toBe(24);
    for (const p of pending) p.socket.destroy();
  }, 30_000);
});
