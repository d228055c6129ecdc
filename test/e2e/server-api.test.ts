// The library's server API as the README documents it: serve() listens in one call, each
// createServer() option does what it says, and /metrics carries each counter the README names,
// agreeing with the source's own stats.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, serve, type TurbocamServer } from '../../src/index.js';
import type { FrameSource } from '../../src/sources/source.js';
import { ControlledSource, solidJpeg } from '../helpers/controlled-source.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { openTestSource } from '../helpers/source.js';
import { waitUntil } from '../helpers/wait.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function testSource(): Promise<FrameSource> {
  const source = await openTestSource(160, 120, 30);
  cleanup.push(() => source.close());
  return source;
}

function closing(server: TurbocamServer): TurbocamServer {
  cleanup.push(() => server.close());
  return server;
}

const json = async (port: number, path: string): Promise<{ ok: boolean; result: Record<string, any> }> =>
  JSON.parse((await fetchRaw({ port }, path)).body.toString());

/** `name{labels} value` of a metric, by an optional label match. */
function sample(text: string, name: string, label = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  if (line === undefined) throw new Error(`no ${name}${label ? ` with ${label}` : ''} in /metrics`);
  return Number(line.split(' ').at(-1));
}

describe('serve() and createServer()', () => {
  it('serve() creates and listens in one call, on a port or a Unix socket', async () => {
    const source = await testSource();
    const server = closing(await serve({ source, port: 0 }));
    expect(server.port).toBeGreaterThan(0);
    expect((await fetchRaw({ port: server.port! }, '/snapshot')).status).toBe(200);
    const unix = join(mkdtempSync(join(tmpdir(), 'turbocam-serve-')), 's.sock');
    const onSocket = closing(await serve({ source, unix }));
    expect(onSocket.urls).toEqual([`unix:${unix}:/`]);
    expect((await fetchRaw({ socketPath: unix }, '/state')).status).toBe(200);
  });

  it('auth, allowOrigin, maxClients, instance and log each take effect', async () => {
    const source = await testSource();
    const lines: string[] = [];
    const server = closing(
      createServer({
        source,
        auth: [{ user: 'me', pass: 'secret' }],
        allowOrigin: ['http://a.test'],
        maxClients: 1,
        instance: 'library-cam',
        log: (level, message) => lines.push(`${level} ${message}`),
      }),
    );
    await server.listen({ port: 0 });
    const port = server.port!;
    const basic = { Authorization: `Basic ${Buffer.from('me:secret').toString('base64')}` };
    expect((await fetchRaw({ port }, '/state')).status).toBe(401);
    const state = await fetchRaw({ port }, '/state', { headers: { ...basic, Origin: 'http://a.test' } });
    expect(state.status).toBe(200);
    expect(state.headers['access-control-allow-origin']).toBe('http://a.test');
    expect(JSON.parse(state.body.toString()).result.instance).toBe('library-cam');
    const first = new StrictMjpegClient({ port, headers: basic });
    await first.waitForParts(1);
    expect((await fetchRaw({ port }, '/stream', { headers: basic })).status).toBe(503);
    first.close();
    await waitUntil('the log to record the client', () => lines.some((l) => l.startsWith('info client') && l.includes('disconnected')));
    expect(lines.some((l) => l.includes(': 401 '))).toBe(true);
  });

  it('dropSameFrames skips repeats; stallTimeoutMs cuts a client that stops reading', async () => {
    const source = new ControlledSource(64, 48);
    const server = closing(createServer({ source, dropSameFrames: 100, stallTimeoutMs: 500 }));
    await server.listen({ port: 0 });
    const port = server.port!;
    const viewer = new StrictMjpegClient({ port });
    await waitUntil('the viewer registered', () => server.clientCount === 1);
    const frame = solidJpeg(64, 48, 50);
    source.push(frame);
    await viewer.waitForParts(1);
    for (let i = 0; i < 5; i++) source.push(Buffer.from(frame));
    expect(server.hub.counters.droppedSame).toBe(5);
    viewer.close();

    // A stalled reader: paused before big frames fill its socket, it is cut after 500 ms.
    const stalled = new StrictMjpegClient({ port });
    await waitUntil('the stalled one registered', () => server.clientCount === 1);
    stalled.socket.pause();
    const big = Array.from({ length: 40 }, (_, i) => solidJpeg(1280, 720, i * 5));
    await waitUntil(
      'the stalled client cut',
      () => {
        source.push(big[Math.floor(Math.random() * big.length)]!);
        return server.clientCount === 0;
      },
      undefined,
      50,
    );
  });
});

describe('/metrics', () => {
  it('counts captured, encoded, delivered, drops by reason, clients, bytes and encode time, as the source does', async () => {
    const source = await testSource();
    const server = closing(await serve({ source, port: 0 }));
    const port = server.port!;
    const viewer = new StrictMjpegClient({ port });
    await viewer.waitForParts(10);
    const text = (await fetchRaw({ port }, '/metrics')).body.toString();
    const stats = source.stats();
    viewer.close();
    // Counters only rise: /metrics was read before stats(), so it is at most the later figure.
    for (const [name, value] of [
      ['captured', stats.captured],
      ['encoded', stats.encoded],
      ['delivered', stats.delivered],
    ] as const) {
      const counted = sample(text, `turbocam_frames_${name}_total`);
      expect(counted).toBeGreaterThan(0);
      expect(counted).toBeLessThanOrEqual(value);
    }
    for (const reason of ['busy', 'late', 'corrupt', 'error', 'paused']) {
      expect(sample(text, 'turbocam_frames_dropped_total', `reason="${reason}"`)).toBeGreaterThanOrEqual(0);
    }
    expect(sample(text, 'turbocam_clients')).toBe(1);
    expect(sample(text, 'turbocam_client_frames_sent_total')).toBeGreaterThanOrEqual(10);
    // Bytes: at least the bodies this viewer received.
    const received = viewer.parts.slice(0, 10).reduce((sum, part) => sum + part.body.length, 0);
    expect(sample(text, 'turbocam_client_bytes_total')).toBeGreaterThanOrEqual(received);
    // Encode time: the source's mean, in seconds (read a moment apart, so within a factor).
    const encodeMs = sample(text, 'turbocam_encode_seconds') * 1000;
    expect(encodeMs).toBeGreaterThan(stats.encodeMs / 3);
    expect(encodeMs).toBeLessThan(stats.encodeMs * 3);
    expect((await json(port, '/state')).ok).toBe(true);
  });

  it('counts drops by reason: paused frames while nobody watches', async () => {
    const source = await testSource();
    const server = closing(await serve({ source, port: 0, pauseAfterMs: 100 }));
    const port = server.port!;
    await waitUntil('paused drops counted', async () => {
      const text = (await fetchRaw({ port }, '/metrics')).body.toString();
      return sample(text, 'turbocam_source_paused') === 1 && sample(text, 'turbocam_frames_dropped_total', 'reason="paused"') > 0;
    });
  });
});
