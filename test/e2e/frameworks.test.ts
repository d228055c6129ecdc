// One camera served at once through an Express route, a Fastify route and the built-in server:
// every viewer gets the camera's full rate, the camera encodes each frame once (its encoded count
// against the frames each route delivered), and a viewer that stops reading on one server is cut
// there without slowing the others.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createServer,
  mjpegHandler,
  openCamera,
  snapshotHandler,
  type Camera,
  type MjpegHandler,
  type TurbocamServer,
} from '../../src/index.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { waitUntil } from '../helpers/wait.js';

let camera: Camera;
let expressStream: MjpegHandler;
let fastifyStream: MjpegHandler;
let expressServer: Server;
let fastify: FastifyInstance;
let builtIn: TurbocamServer;
const ports = { express: 0, fastify: 0, builtIn: 0 };
/** Every frame the shared hub published: the camera's rate as the viewers could have had it (a
 *  loaded test process makes the camera drop frames as busy, for every viewer alike). */
const published: number[] = [];

beforeAll(async () => {
  camera = await openCamera({ source: 'testsrc', width: 640, height: 480, fps: 30, workers: 1 });

  // Express: the handlers are the routes themselves. Stalls are cut sooner here than on the
  // others, so the stalled viewer's cut is seen within the test.
  expressStream = mjpegHandler(camera, { stallTimeoutMs: 1500 });
  expressStream.hub.on('frame', (frame) => published.push(frame.sequence));
  const app = express();
  app.get('/cam/stream', expressStream);
  app.get('/cam/snapshot', snapshotHandler(camera));
  expressServer = createHttpServer(app);
  await new Promise<void>((resolve) => expressServer.listen(0, '127.0.0.1', resolve));
  ports.express = (expressServer.address() as AddressInfo).port;

  // Fastify: the reply is hijacked and the raw request and response handed over.
  fastifyStream = mjpegHandler(camera);
  const snapshot = snapshotHandler(camera);
  fastify = Fastify();
  fastify.get('/video/stream', (request, reply) => {
    reply.hijack();
    fastifyStream(request.raw, reply.raw);
  });
  fastify.get('/video/snapshot', (request, reply) => {
    reply.hijack();
    snapshot(request.raw, reply.raw);
  });
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  ports.fastify = (fastify.server.address() as AddressInfo).port;

  builtIn = createServer({ source: camera });
  await builtIn.listen({ port: 0 });
  ports.builtIn = builtIn.port!;
});

afterAll(async () => {
  expressStream?.close();
  fastifyStream?.close();
  await builtIn?.close();
  await fastify?.close();
  const closed = new Promise<void>((resolve) => (expressServer ? expressServer.close(() => resolve()) : resolve()));
  expressServer?.closeAllConnections();
  await closed;
  await camera?.close();
});

const sequences = (client: StrictMjpegClient, from = 0): number[] =>
  client.parts.slice(from).map((part) => Number(part.headers.get('x-sequence')));

/** Frames received per frame the hub published meanwhile (1: every frame). */
function shareOfFrames(client: StrictMjpegClient, from: number): number {
  const seen = new Set(sequences(client, from));
  const first = Math.min(...seen);
  const last = Math.max(...seen);
  const made = new Set(published.filter((sequence) => sequence >= first && sequence <= last));
  return seen.size / made.size;
}

async function builtInSent(): Promise<number> {
  const state = JSON.parse((await fetchRaw({ port: ports.builtIn }, '/state')).body.toString());
  return state.result.stream.sent as number;
}

describe('one camera behind Express, Fastify and the built-in server at once', () => {
  it('shares one hub: every route reads the same one', () => {
    expect(expressStream.hub).toBe(builtIn.hub);
    expect(fastifyStream.hub).toBe(builtIn.hub);
  });

  it('every viewer gets every frame, from one encode per frame', async () => {
    const viewers = {
      express: new StrictMjpegClient({ port: ports.express, path: '/cam/stream' }),
      fastify: new StrictMjpegClient({ port: ports.fastify, path: '/video/stream' }),
      builtIn: new StrictMjpegClient({ port: ports.builtIn, path: '/stream' }),
    };
    try {
      for (const viewer of Object.values(viewers)) viewer.keepBodies = false;
      await Promise.all(Object.values(viewers).map((viewer) => viewer.waitForParts(5)));
      const from = Object.fromEntries(Object.entries(viewers).map(([name, viewer]) => [name, viewer.parts.length])) as Record<
        keyof typeof viewers,
        number
      >;
      const sentBefore = { express: expressStream.stats().sent, fastify: fastifyStream.stats().sent, builtIn: await builtInSent() };
      const before = camera.stats();
      const publishedBefore = builtIn.hub.counters.published;
      // A count of frames (about 3 s at 30 fps), not a time.
      await Promise.all(
        Object.entries(viewers).map(([name, viewer]) => viewer.waitForParts(from[name as keyof typeof viewers] + 90, 60_000)),
      );
      const after = camera.stats();
      const encoded = after.encoded - before.encoded;
      const captured = after.captured - before.captured;
      const delivered = after.delivered - before.delivered;
      const published = builtIn.hub.counters.published - publishedBefore;
      const sent = {
        express: expressStream.stats().sent - sentBefore.express,
        fastify: fastifyStream.stats().sent - sentBefore.fastify,
        builtIn: (await builtInSent()) - sentBefore.builtIn,
      };

      // Full rate: each viewer saw (nearly) every frame the camera published while it watched.
      for (const [name, viewer] of Object.entries(viewers)) {
        expect(shareOfFrames(viewer, from[name as keyof typeof viewers]), name).toBeGreaterThanOrEqual(0.9);
      }
      // One encode per frame: the camera encoded no more frames than it captured (an encode per
      // route would be three per frame), the one hub published each delivered frame once, and
      // each route sent about every published frame, so the three together sent three times
      // what was published. A frame dropped as busy was encoded but never delivered: a loaded
      // JS thread lowers delivered below encoded, never raises encoded.
      expect(published).toBeGreaterThanOrEqual(90);
      expect(encoded).toBeLessThanOrEqual(captured + 2);
      expect(Math.abs(published - delivered)).toBeLessThanOrEqual(5);
      for (const [name, count] of Object.entries(sent)) {
        expect(count, name).toBeGreaterThanOrEqual(0.9 * published - 3);
        expect(count, name).toBeLessThanOrEqual(published + 5);
      }
      expect(sent.express + sent.fastify + sent.builtIn).toBeGreaterThan(2.7 * published - 9);
    } finally {
      for (const viewer of Object.values(viewers)) viewer.close();
    }
  });

  it("snapshots through Express and Fastify are the camera's JPEGs", async () => {
    for (const [port, path] of [
      [ports.express, '/cam/snapshot'],
      [ports.fastify, '/video/snapshot'],
    ] as const) {
      const answer = await fetchRaw({ port }, path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type']).toBe('image/jpeg');
      expect(answer.headers['x-width']).toBe('640');
      expect(answer.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    }
  });

  it('a stalled viewer on Express is cut there, and the viewers on every server keep full rate', async () => {
    const stalled = new StrictMjpegClient({ port: ports.express, path: '/cam/stream' });
    const viewers = [
      new StrictMjpegClient({ port: ports.express, path: '/cam/stream' }),
      new StrictMjpegClient({ port: ports.fastify, path: '/video/stream' }),
      new StrictMjpegClient({ port: ports.builtIn, path: '/stream' }),
    ];
    try {
      for (const viewer of [stalled, ...viewers]) viewer.keepBodies = false;
      await Promise.all([stalled, ...viewers].map((viewer) => viewer.waitForParts(3)));
      expect(expressStream.clientCount).toBe(2);
      const droppedBefore = expressStream.stats().dropped;
      stalled.socket.pause();
      const from = viewers.map((viewer) => viewer.parts.length);
      await waitUntil('the stalled viewer cut by the Express handler', () => expressStream.clientCount === 1);
      // The others go on, each at the camera's rate, through the stall and past the cut.
      await Promise.all(viewers.map((viewer, i) => viewer.waitForParts((from[i] ?? 0) + 60, 60_000)));
      viewers.forEach((viewer, i) => expect(shareOfFrames(viewer, from[i] ?? 0), `viewer ${i}`).toBeGreaterThanOrEqual(0.9));
      // The stall was real: the writer dropped frames for it before cutting it.
      expect(expressStream.stats().dropped - droppedBefore).toBeGreaterThan(0);
    } finally {
      for (const viewer of [stalled, ...viewers]) viewer.close();
    }
  });
});
