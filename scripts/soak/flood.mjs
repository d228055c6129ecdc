// Soak piece: descriptor floods. Every `everyMs`, 1100 connections from 100 loopback addresses
// (11 each, under the per-address cap) send `GET /stream HTTP/1.1\r\nHost: x\r\nX-Slow: ` and
// nothing more, held for `holdMs`. The server runs under `ulimit -n 1024`, so its connection
// budget (1024 - 64) must push the oldest out: a snapshot taken during each flood must answer
// 200 within a second, and once the flood is gone the server's descriptors come back.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const HALF_OPEN = 'GET /stream HTTP/1.1\r\nHost: x\r\nX-Slow: ';

function snapshotMs(port) {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => done(-1), 5000);
    const done = (ms) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ms);
    };
    socket.on('connect', () => socket.write('GET /snapshot HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n'));
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1', 0, Math.min(chunk.length, 64));
      if (/^HTTP\/1\.1 200 /.test(head)) done(Date.now() - started);
      else if (/^HTTP\/1\.1 \d{3} /.test(head)) done(-1);
    });
    socket.on('error', () => done(-1));
    socket.on('close', () => done(-1));
  });
}

/** Floods `port` until `until` (ms since the epoch); resolves with what it saw. `note(kind,
 *  detail)` records a missed target. */
export async function floodLoop({ port, until, note, everyMs = 20_000, holdMs = 5_000 }) {
  const result = { floods: 0, connections: 0, pushedOut: 0, slowestSnapshotMs: 0 };
  await sleep(Math.min(everyMs / 2, Math.max(0, until - Date.now())));
  while (Date.now() + holdMs < until) {
    const sockets = Array.from({ length: 1100 }, (_, i) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress: `127.0.3.${1 + (i % 100)}` });
      socket.on('connect', () => socket.write(HALF_OPEN));
      socket.on('error', () => undefined);
      socket.resume();
      return socket;
    });
    await sleep(holdMs / 2);
    const ms = await snapshotMs(port);
    if (ms < 0 || ms > 1000) note('flood', `snapshot during a flood of 1100: ${ms < 0 ? 'failed' : `${ms} ms`}`);
    result.slowestSnapshotMs = Math.max(result.slowestSnapshotMs, ms);
    await sleep(holdMs / 2);
    result.pushedOut += sockets.filter((s) => s.destroyed || s.readableEnded).length;
    for (const socket of sockets) socket.destroy();
    result.floods += 1;
    result.connections += sockets.length;
    await sleep(Math.max(0, Math.min(everyMs - holdMs, until - Date.now())));
  }
  return result;
}
