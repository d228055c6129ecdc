// A slow viewer only costs itself frames: never the others' frames, never the server's memory.
// The server runs as the real CLI process so its RSS is its own.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRaw } from '../helpers/http.js';
import { ensureBuilt, startCli, type RunningCli } from '../helpers/cli.js';
import { RSS_SCALE } from '../helpers/memory.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { sleep, waitUntil } from '../helpers/wait.js';

let cli: RunningCli;

beforeAll(async () => {
  ensureBuilt();
  cli = await startCli([
    '--source',
    'testsrc',
    '--resolution',
    '1280x720',
    '--fps',
    '25',
    '--port',
    '0',
    '--workers',
    '1',
    '--client-timeout',
    '30',
  ]);
});

afterAll(async () => {
  await cli.stop();
});

const sequenceOf = (client: StrictMjpegClient, index: number): number => Number(client.parts[index]?.headers.get('x-sequence'));

async function clientsOnServer(port: number): Promise<number> {
  const answer = await fetchRaw({ port }, '/state');
  return JSON.parse(answer.body.toString()).result.stream.clients as number;
}

describe('per-client backpressure', () => {
  it('a paused client neither slows another nor grows memory, and resumes on a current frame', async () => {
    const slow = new StrictMjpegClient({ port: cli.port });
    const fast = new StrictMjpegClient({ port: cli.port });
    fast.keepBodies = false;
    try {
      await slow.waitForParts(3);
      await fast.waitForParts(3);
      const rssBefore = cli.rssBytes();
      slow.socket.pause();
      const fastStart = fast.parts.length;
      let rssMax = rssBefore;
      // A count of frames (about 8 s at 25 fps), not a time, sampling the server's RSS meanwhile.
      await waitUntil(
        'the fast client to get 200 frames more',
        () => {
          rssMax = Math.max(rssMax, cli.rssBytes());
          return fast.parts.length - fastStart >= 200;
        },
        120_000,
        200,
      );
      const fastParts = fast.parts.slice(fastStart);
      const firstSeq = Number(fastParts[0]?.headers.get('x-sequence'));
      const lastSeq = Number(fastParts.at(-1)?.headers.get('x-sequence'));
      const produced = lastSeq - firstSeq + 1;
      // While the slow one was paused, the fast one got (nearly) every frame the source made.
      expect(produced).toBeGreaterThan(50);
      expect(fastParts.length / produced).toBeGreaterThanOrEqual(0.95);
      // No backlog piles up in the server for the paused client (frames are ~65 KB each here:
      // the 200 it missed would be over 12 MB).
      expect(rssMax - rssBefore).toBeLessThan(8 * 1024 * 1024 * RSS_SCALE);

      const slowBefore = slow.parts.length;
      const resumeSeq = lastSeq;
      slow.socket.resume();
      await waitUntil('the slow client to reach a current frame', () =>
        slow.parts.slice(slowBefore).some((p) => Number(p.headers.get('x-sequence')) >= resumeSeq),
      );
      const afterResume = slow.parts.slice(slowBefore);
      const current = afterResume.findIndex((p) => Number(p.headers.get('x-sequence')) >= resumeSeq);
      expect(current).toBeGreaterThanOrEqual(0);
      // Only what sat in the socket buffers is stale, not the whole pause: the server caps its
      // kernel send buffer to about two frames (autotuned, it holds ~4 MB, 60+ frames here), and
      // after that the stream jumps straight to the newest frame.
      expect(current).toBeLessThan(produced / 8);
      const jump =
        Number(afterResume[current]?.headers.get('x-sequence')) -
        Number(afterResume[current - 1]?.headers.get('x-sequence') ?? slow.parts[slowBefore - 1]?.headers.get('x-sequence'));
      expect(jump).toBeGreaterThan(produced / 3);
      const server = JSON.parse((await fetchRaw({ port: cli.port }, '/state')).body.toString()).result.stream;
      const slowStat = Object.values(server.clients_stat as Record<string, { dropped: number; sent: number }>).sort(
        (a, b) => b.dropped - a.dropped,
      )[0];
      expect(slowStat?.dropped).toBeGreaterThan(produced / 2);
      expect(sequenceOf(fast, fast.parts.length - 1)).toBeGreaterThan(firstSeq);
    } finally {
      slow.close();
      fast.close();
    }
  });

  it('200 concurrent clients all receive frames, and disconnects mid-frame leak nothing', async () => {
    const rounds: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const clients = Array.from({ length: 200 }, () => {
        const client = new StrictMjpegClient({ port: cli.port, path: '/stream?fps=5' });
        client.keepBodies = false;
        return client;
      });
      await Promise.all(clients.map((c) => c.waitForParts(2, 30_000)));
      expect(clients.every((c) => c.parts.length >= 2)).toBe(true);
      expect(await clientsOnServer(cli.port)).toBe(200);
      // Cut every client in the middle of a frame: after a few bytes of the next part arrived.
      await Promise.all(
        clients.map(
          (client) =>
            new Promise<void>((resolve) => {
              client.socket.once('data', () => {
                client.close();
                resolve();
              });
            }),
        ),
      );
      await waitUntil('every client gone from the server', async () => (await clientsOnServer(cli.port)) === 0);
      rounds.push(cli.rssBytes());
    }
    // The third round costs no more memory than the first left behind (allowing GC noise).
    expect((rounds[2] ?? 0) - (rounds[0] ?? 0)).toBeLessThan(16 * 1024 * 1024 * RSS_SCALE);
  });
});

describe('stalled clients', () => {
  it('a client reading one byte a second is cut after --client-timeout, holding the server to its memory', async () => {
    const short = await startCli([
      '--source',
      'testsrc',
      '--resolution',
      '1280x720',
      '--fps',
      '25',
      '--port',
      '0',
      '--workers',
      '1',
      '--client-timeout',
      '2',
    ]);
    try {
      const healthy = new StrictMjpegClient({ port: short.port });
      healthy.keepBodies = false;
      await healthy.waitForParts(2);
      const rssBefore = short.rssBytes();
      const trickle = connect(short.port, '127.0.0.1');
      trickle.on('error', () => undefined);
      trickle.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
      trickle.pause();
      let read = 0;
      const cut = (): RegExp => new RegExp(`127\\.0\\.0\\.1:${trickle.localPort} disconnected`);
      // Once Node's own buffer is full, the kernel's fills and the server's writes stall: from
      // then on this client takes one byte a second, far below one 720p frame per timeout.
      const drip = setInterval(() => {
        if (trickle.read(1) !== null) read += 1;
      }, 1000);
      const started = Date.now();
      try {
        // A paused socket does not see the close: the server's log says when it cut the client.
        while (!cut().test(short.stderr) && Date.now() - started < 20_000) await sleep(250);
      } finally {
        clearInterval(drip);
      }
      expect(short.stderr).toMatch(cut());
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(read).toBeGreaterThan(0);
      expect(short.rssBytes() - rssBefore).toBeLessThan(32 * 1024 * 1024 * RSS_SCALE);
      // The healthy client streams on: a new part, however long a loaded machine takes.
      const before = healthy.parts.length;
      await waitUntil('the healthy client to get another part', () => healthy.parts.length > before);
      trickle.destroy();
      healthy.close();
    } finally {
      await short.stop();
    }
  }, 40_000);

  it('are cut after --client-timeout', async () => {
    const short = await startCli([
      '--source',
      'testsrc',
      '--resolution',
      '1280x720',
      '--fps',
      '25',
      '--port',
      '0',
      '--workers',
      '1',
      '--client-timeout',
      '1',
    ]);
    try {
      const stalled = new StrictMjpegClient({ port: short.port });
      const healthy = new StrictMjpegClient({ port: short.port });
      healthy.keepBodies = false;
      await stalled.waitForParts(2);
      stalled.socket.pause();
      await waitUntil('the stalled client cut', async () => (await clientsOnServer(short.port)) === 1);
      expect(short.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${stalled.socket.localPort} disconnected`));
      // The healthy one is untouched.
      await healthy.waitForParts(healthy.parts.length + 1);
      stalled.close();
      healthy.close();
    } finally {
      await short.stop();
    }
  });
});
