// Hub behaviour seen by a real client: same-frame dropping, idle refresh, NO SIGNAL while the
// source is gone, and pausing a source nobody watches. Uses a hand-driven source, since these
// need frames and signal loss on demand.
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import type { TurbocamServer } from '../../src/http/server.js';
import { ControlledSource, PausableControlledSource, solidJpeg } from '../helpers/controlled-source.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { serverFixture } from '../helpers/server.js';
import { sleep, waitUntil } from '../helpers/wait.js';

const fixture = serverFixture();
let server: TurbocamServer | undefined;

async function start(source: ControlledSource, options: { dropSameFrames?: number; pauseAfterMs?: number } = {}): Promise<number> {
  server = await fixture.start({ source, ...options });
  return server.port ?? 0;
}

/** Pushes each frame once the previous one was sent to the client or skipped as a repeat, so no
 *  frame is lost to the client's own backpressure whatever the machine's load. */
async function pushSeries(source: ControlledSource, client: StrictMjpegClient, frames: Buffer[]): Promise<void> {
  for (const data of frames) {
    const { published, droppedSame } = server!.hub.counters;
    source.push(data);
    await waitUntil(
      'the frame published or skipped',
      () => server!.hub.counters.droppedSame > droppedSame || server!.hub.counters.published > published,
    );
    if (server!.hub.counters.published > published) await client.waitForParts(server!.hub.counters.published);
  }
}

async function connected(client: StrictMjpegClient, count = 1): Promise<StrictMjpegClient> {
  await waitUntil('the client registered', () => server!.clientCount >= count);
  return client;
}

function sequences(client: StrictMjpegClient): number[] {
  return client.parts.map((p) => Number(p.headers.get('x-sequence')));
}

describe('FrameHub through the server', () => {
  it('--drop-same-frames=N skips identical frames, at most N in a row', async () => {
    const source = new ControlledSource(64, 48);
    const port = await start(source, { dropSameFrames: 3 });
    const client = await connected(new StrictMjpegClient({ port }));
    const a = solidJpeg(64, 48, 10);
    // Byte-identical copies in distinct Buffers, as a camera would deliver them.
    await pushSeries(source, client, [a, ...Array.from({ length: 10 }, () => Buffer.from(a)), solidJpeg(64, 48, 200)]);
    await client.waitForParts(4);
    client.close();
    // Sequences 0..11: 0 sent; of the ten repeats 1..10, 4 and 8 go out (3 skipped before each); 11 differs.
    // (An idle refresh may repeat 11 afterwards.)
    expect(sequences(client).slice(0, 4)).toEqual([0, 4, 8, 11]);
    const state = JSON.parse((await fetchRaw({ port }, '/state')).body.toString()).result;
    expect(state.stream.dropped_same).toBe(8);
  });

  it('without --drop-same-frames every frame goes out, and an idle stream is refreshed about once a second', async () => {
    const source = new ControlledSource(64, 48);
    const port = await start(source);
    const client = await connected(new StrictMjpegClient({ port }));
    const a = solidJpeg(64, 48, 10);
    await pushSeries(
      source,
      client,
      Array.from({ length: 5 }, () => Buffer.from(a)),
    );
    await client.waitForParts(5);
    expect(sequences(client).slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    await client.waitForParts(7);
    client.close();
    const repeats = client.parts.slice(5, 7);
    expect(repeats.map((p) => Number(p.headers.get('x-sequence')))).toEqual([4, 4]);
    // Refreshes come after a quiet second, never sooner (load only makes them later; the margin
    // is for the client's own reads being late).
    const gaps = [repeats[0]!.receivedAt - client.parts[4]!.receivedAt, repeats[1]!.receivedAt - repeats[0]!.receivedAt];
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(500);
  });

  it('shows NO SIGNAL at a low rate while the source is disconnected, and resumes on reconnect', async () => {
    const source = new ControlledSource(320, 240);
    const port = await start(source);
    const client = new StrictMjpegClient({ port });
    const live = solidJpeg(320, 240, 90);
    source.push(live);
    await client.waitForParts(1);
    source.disconnect();
    await client.waitForParts(4);
    const during = client.parts.slice(1);
    // A low rate (2 a second): frames keep coming, each at least a few hundred ms after the last.
    for (let i = 1; i < during.length; i++) expect(during[i]!.receivedAt - during[i - 1]!.receivedAt).toBeGreaterThanOrEqual(250);
    const image = jpeg.decode(during.at(-1)?.body ?? Buffer.alloc(0));
    expect([image.width, image.height]).toEqual([320, 240]);
    // Dark background with bright lettering.
    let bright = 0;
    for (let i = 0; i < image.data.length; i += 4) if ((image.data[i] ?? 0) > 180) bright += 1;
    expect(bright / (image.width * image.height)).toBeGreaterThan(0.02);
    expect(bright / (image.width * image.height)).toBeLessThan(0.5);
    const snapshot = await fetchRaw({ port }, '/snapshot');
    expect(snapshot.status).toBe(503);
    expect(snapshot.headers['retry-after']).toBe('1');
    const state = JSON.parse((await fetchRaw({ port }, '/state')).body.toString()).result;
    expect(state.source.online).toBe(false);
    const metrics = (await fetchRaw({ port }, '/metrics')).body.toString();
    expect(metrics).toMatch(/^turbocam_source_online\{[^}]*\} 0$/m);

    source.reconnect();
    const back = solidJpeg(320, 240, 30);
    source.push(back);
    await waitUntil('the live frame', () => client.parts.at(-1)?.body.equals(back));
    const backAt = client.parts.length;
    // NO SIGNAL stops: what follows the live frame is the live frame again (idle refreshes).
    await client.waitForParts(backAt + 1);
    client.close();
    expect(client.parts.slice(backAt - 1).every((p) => p.body.equals(back))).toBe(true);
    const snap = await fetchRaw({ port }, '/snapshot');
    expect(snap.status).toBe(200);
    expect(snap.body.equals(back)).toBe(true);
  });

  it('pauses a pausable source while nobody watches and resumes it for viewers and snapshots', async () => {
    const source = new PausableControlledSource(64, 48);
    const port = await start(source, { pauseAfterMs: 150 });
    await waitUntil('paused with nobody watching', () => source.paused);
    const client = new StrictMjpegClient({ port });
    await waitUntil('resumed for a viewer', () => !source.paused);
    source.push(solidJpeg(64, 48, 1));
    await client.waitForParts(1);
    client.close();
    await waitUntil('paused again once the viewer left', () => source.paused);
    // A snapshot wakes it and waits for a fresh frame.
    const pending = fetchRaw({ port }, '/snapshot');
    await waitUntil('resumed for a snapshot', () => !source.paused);
    const fresh = solidJpeg(64, 48, 99);
    source.push(fresh);
    const snap = await pending;
    expect(snap.status).toBe(200);
    expect(snap.body.equals(fresh)).toBe(true);
    expect(source.pauseCalls).toBeGreaterThanOrEqual(2);
    expect(source.resumeCalls).toBeGreaterThanOrEqual(2);
  });

  it('/snapshot waits briefly for the first frame, then gives up with 503', async () => {
    const source = new ControlledSource(64, 48);
    const port = await start(source);
    const pending = fetchRaw({ port }, '/snapshot');
    await sleep(300);
    const first = solidJpeg(64, 48, 7);
    source.push(first);
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(answer.body.equals(first)).toBe(true);
    expect(answer.headers['x-sequence']).toBe('0');

    const silent = new ControlledSource(64, 48);
    const silentPort = await start(silent);
    const nothing = await fetchRaw({ port: silentPort }, '/snapshot');
    expect(nothing.status).toBe(503);
    expect(nothing.headers['retry-after']).toBe('1');
  });
});
