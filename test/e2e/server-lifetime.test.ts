// TurbocamServer's lifetime and events: `await using` closes it at the end of its scope, an
// AbortSignal closes it (an already-aborted one refuses to start with ERR_ABORTED), and its
// listening, client, clientClose, frame and close events fire with their payloads.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, openCamera, serve, type Camera, type MjpegClientStats } from '../../src/index.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

const cameras: Camera[] = [];
afterEach(async () => {
  await Promise.all(cameras.splice(0).map((camera) => camera.close()));
});

async function testsrc(): Promise<Camera> {
  const camera = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 30, workers: 1 });
  cameras.push(camera);
  return camera;
}

/** Whether something still accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('TurbocamServer lifetime', () => {
  it('`await using` closes the server at the end of its scope, ending its streams', async () => {
    const source = await testsrc();
    let port = 0;
    let viewer: StrictMjpegClient | undefined;
    let closed = false;
    {
      await using server = await serve({ source, port: 0 });
      server.on('close', () => (closed = true));
      port = server.port!;
      viewer = new StrictMjpegClient({ port });
      await viewer.waitForParts(2);
    }
    expect(closed).toBe(true);
    await waitUntil('the stream ended', () => viewer?.ended);
    expect(await accepts(port)).toBe(false);
    // The source is the caller's: still open.
    expect(source.connected).toBe(true);
  });

  it('an abort closes a listening server; an already-aborted signal refuses to start', async () => {
    const source = await testsrc();
    const controller = new AbortController();
    const server = await serve({ source, port: 0, signal: controller.signal });
    const port = server.port!;
    const viewer = new StrictMjpegClient({ port });
    await viewer.waitForParts(2);
    const closing = waitFor(server, 'close');
    controller.abort(new Error('shutting down'));
    await closing;
    await waitUntil('the stream ended', () => viewer.ended);
    expect(await accepts(port)).toBe(false);
    await expect(server.listen({ port: 0 })).rejects.toMatchObject({ code: 'ERR_ABORTED' });

    const aborted = AbortSignal.abort(new Error('too late'));
    expect(() => createServer({ source, signal: aborted })).toThrow(
      expect.objectContaining({ code: 'ERR_ABORTED', cause: aborted.reason }),
    );
    await expect(serve({ source, port: 0, signal: aborted })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    // A closed server refuses to listen again.
    const other = createServer({ source });
    await other.close();
    await expect(other.listen({ port: 0 })).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  it('emits listening, client, clientClose, frame and close with their payloads', async () => {
    const source = await testsrc();
    const server = createServer({ source });
    const listening = waitFor<string[]>(server, 'listening');
    const urls = await server.listen({ port: 0 });
    expect(await listening).toEqual(urls);
    const connected = waitFor<MjpegClientStats>(server, 'client');
    const frame = waitFor<{ sequence: number; data: Buffer }>(server, 'frame');
    const viewer = new StrictMjpegClient({ port: server.port!, path: '/stream?key=kitchen' });
    expect((await connected).key).toBe('kitchen');
    expect((await frame).data.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    await viewer.waitForParts(3);
    const left = waitFor<MjpegClientStats>(server, 'clientClose');
    viewer.close();
    expect((await left).sent).toBeGreaterThanOrEqual(3);
    const closed = waitFor(server, 'close');
    await server.close();
    await closed;
  });
});
