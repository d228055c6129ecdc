// mjpegHandler and snapshotHandler on a plain node:http server, as the README documents them:
// the fps cap and the client's ?fps=, refusals (bad query, maxClients, after close), HEAD, one hub
// per source (shared pausing; other hub options refused), and a snapshot's 503 with no frame.
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, mjpegHandler, openCamera, snapshotHandler, TurbocamError, type Camera } from '../../src/index.js';
import { ControlledSource } from '../helpers/controlled-source.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { waitUntil } from '../helpers/wait.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function camera(): Promise<Camera> {
  const opened = await openCamera({ source: 'testsrc', width: 320, height: 240, fps: 30, workers: 1 });
  cleanup.push(() => opened.close());
  return opened;
}

async function listen(listener: RequestListener): Promise<number> {
  const server: Server = createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

function viewer(port: number, path = '/'): StrictMjpegClient {
  const client = new StrictMjpegClient({ port, path });
  client.keepBodies = false;
  cleanup.push(() => client.close());
  return client;
}

/** Mean step between the sequences a viewer received: 1 at the camera's rate, N at 1/N of it. */
function meanStep(client: StrictMjpegClient): number {
  const seen = client.parts.map((part) => Number(part.headers.get('x-sequence')));
  return ((seen.at(-1) ?? 0) - (seen[0] ?? 0)) / (seen.length - 1);
}

describe('mjpegHandler', () => {
  it('caps every client at `fps`; a client may lower it with ?fps= but not raise it', async () => {
    const source = await camera();
    const full = await listen(mjpegHandler(source));
    const handler = mjpegHandler(source, { fps: 6 });
    cleanup.push(() => handler.close());
    const capped = await listen(handler);
    const viewers = { full: viewer(full), capped: viewer(capped, '/?fps=30'), lower: viewer(capped, '/cam?fps=2') };
    await viewers.lower.waitForParts(6);
    await viewers.capped.waitForParts(12);
    await viewers.full.waitForParts(40);
    // Relative to the camera's own rate as the uncapped viewer got it, not to the clock: 6 fps
    // of 30 is a fifth of the frames (a loaded machine's camera drops some for every viewer), and
    // 2 fps a third of 6.
    expect(meanStep(viewers.capped)).toBeGreaterThan(2 * meanStep(viewers.full));
    expect(meanStep(viewers.lower)).toBeGreaterThan(1.8 * meanStep(viewers.capped));
    expect(
      handler
        .stats()
        .clients.map((client) => client.fpsCap)
        .sort(),
    ).toEqual([2, 6]);
  });

  it('refuses a bad ?fps, answers HEAD with the stream type, and refuses clients past maxClients', async () => {
    const source = await camera();
    const handler = mjpegHandler(source, { maxClients: 1 });
    cleanup.push(() => handler.close());
    const port = await listen(handler);
    const bad = await fetchRaw({ port }, '/stream?fps=fast');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString())).toEqual({ ok: false, error: { status: 400, message: 'fps wants a number in [0, 1000]' } });
    const head = await fetchRaw({ port }, '/stream', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('multipart/x-mixed-replace; boundary=turbocamframe');
    const first = viewer(port);
    await first.waitForParts(2);
    const second = await fetchRaw({ port }, '/stream');
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('5');
    expect(handler.stats()).toMatchObject({ connections: 1, rejected: 1 });
  });

  it('close() ends its streams and refuses later requests; the source stays open', async () => {
    const source = await camera();
    const handler = mjpegHandler(source);
    const port = await listen(handler);
    const client = viewer(port);
    await client.waitForParts(2);
    handler.close();
    await waitUntil('the stream ended', () => client.ended);
    expect((await fetchRaw({ port }, '/')).status).toBe(503);
    expect(source.connected).toBe(true);
  });

  it('one hub per source: pausing waits for the last viewer of every handler and server', async () => {
    const source = await camera();
    const handler = mjpegHandler(source, { pauseAfterMs: 100 });
    cleanup.push(() => handler.close());
    const server = createServer({ source, pauseAfterMs: 100 });
    cleanup.push(() => server.close());
    await server.listen({ port: 0 });
    expect(server.hub).toBe(handler.hub);
    const port = await listen(handler);
    await waitUntil('paused with nobody watching', () => source.stats().paused);
    // A viewer of the handler resumes the camera, and the server (with no viewer of its own) does
    // not pause it under them: frames keep coming well past pauseAfterMs.
    const client = viewer(port);
    await client.waitForParts(2);
    const pausedDrops = source.stats().dropped.paused ?? 0;
    await client.waitForParts(25);
    expect(source.stats().paused).toBe(false);
    expect(source.stats().dropped.paused).toBe(pausedDrops);
    client.close();
    await waitUntil('paused again once the last viewer left', () => source.stats().paused);
    // The hub's users leaving in turn: the last one resumes the source it paused.
    handler.close();
    await server.close();
    expect(source.stats().paused).toBe(false);
  });

  it('refuses other hub options for a source that already has a hub, and a non-source', async () => {
    const source = await camera();
    const first = mjpegHandler(source, { dropSameFrames: 2 });
    const same = mjpegHandler(source, { dropSameFrames: 2 });
    expect(same.hub).toBe(first.hub);
    expect(() => createServer({ source, dropSameFrames: 5 })).toThrow(TurbocamError);
    expect(() => snapshotHandler(source, { pauseAfterMs: 10 })).toThrow(/pauseAfterMs.*one hub per source/);
    first.close();
    same.close();
    // Every user gone: the next one makes a new hub with its own options.
    const fresh = mjpegHandler(source, { dropSameFrames: 5 });
    expect(fresh.hub).not.toBe(first.hub);
    fresh.close();
    let caught: unknown;
    try {
      mjpegHandler({} as Camera);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(() => mjpegHandler(source, { fps: -1 })).toThrow(/fps/);
  });
});

describe('snapshotHandler', () => {
  it('answers the newest JPEG with its sequence and size, and 503 while there is none', async () => {
    const source = await camera();
    const handler = snapshotHandler(source);
    cleanup.push(() => handler.close());
    const answer = await fetchRaw({ port: await listen(handler) }, '/snap.jpg');
    expect(answer.status).toBe(200);
    expect(answer.headers['x-width']).toBe('320');
    expect(Number(answer.headers['x-sequence'])).toBeGreaterThanOrEqual(0);
    expect(answer.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    const silent = new ControlledSource(64, 48);
    const waiting = snapshotHandler(silent, { timeoutMs: 100 });
    cleanup.push(() => waiting.close());
    const none = await fetchRaw({ port: await listen(waiting) }, '/');
    expect(none.status).toBe(503);
    expect(none.headers['retry-after']).toBe('1');
  });
});
