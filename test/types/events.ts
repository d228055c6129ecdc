// A type test, checked by tsc (`npm run typecheck`, which CI runs), never executed: the events of
// Camera, TurbocamServer and FrameHub are typed by name and payload, and the handlers fit
// node:http, Express and Fastify. Every `@ts-expect-error` line must be an error: were the typing
// loosened to any name or payload, tsc would report the directive unused and fail.
import { createServer as createHttpServer } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import {
  mjpegHandler,
  snapshotHandler,
  type Camera,
  type FrameHub,
  type MjpegClientStats,
  type SourceInfo,
  type TurbocamError,
  type TurbocamServer,
} from '../../src/index.js';
import type { Frame } from '../../src/types.js';

export function cameraEvents(camera: Camera): void {
  camera.on('frame', (frame) => {
    const data: Buffer = frame.data;
    const sequence: number = frame.sequence;
    void [data, sequence];
  });
  camera.on('error', (error) => {
    const code: string = error.code;
    void code;
  });
  camera.on('warning', (warning: TurbocamError) => void warning);
  camera.on('disconnect', (error: TurbocamError) => void error);
  camera.on('reconnect', (info: SourceInfo) => void info.width);
  camera.once('close', () => undefined);
  // @ts-expect-error: no such event
  camera.on('frames', () => undefined);
  // @ts-expect-error: a frame is not a string
  camera.on('frame', (frame: string) => void frame);
  // @ts-expect-error: reconnect carries the SourceInfo, not a Frame
  camera.on('reconnect', (frame: Frame) => void frame);
  // @ts-expect-error: close carries nothing
  camera.on('close', (reason: Error) => void reason);
  // @ts-expect-error: emitting a frame event needs a Frame
  camera.emit('frame', 'not a frame');
}

export function serverEvents(server: TurbocamServer): void {
  server.on('listening', (urls: string[]) => void urls);
  server.on('client', (client: MjpegClientStats) => void client.key);
  server.on('clientClose', (client) => {
    const sent: number = client.sent;
    void sent;
  });
  server.on('frame', (frame: Frame) => void frame);
  server.on('signal', (online: boolean) => void online);
  server.on('error', (error: Error) => void error);
  server.on('close', () => undefined);
  // @ts-expect-error: no such event
  server.on('connection', () => undefined);
  // @ts-expect-error: listening carries the URLs, not a port number
  server.on('listening', (port: number) => void port);
  // @ts-expect-error: signal carries a boolean
  server.on('signal', (online: string) => void online);
}

export function hubEvents(hub: FrameHub): void {
  hub.on('frame', (frame: Frame) => void frame);
  hub.on('signal', (online: boolean) => void online);
  // @ts-expect-error: no such event
  hub.on('reconnect', () => undefined);
}

export function handlersFit(camera: Camera): void {
  const stream = mjpegHandler(camera, { fps: 10, maxClients: 5 });
  const snapshot = snapshotHandler(camera);
  createHttpServer(stream);
  const app = express();
  app.get('/stream', stream);
  app.get('/snapshot', snapshot);
  const fastify = Fastify();
  fastify.get('/stream', (request, reply) => {
    reply.hijack();
    stream(request.raw, reply.raw);
  });
  const clients: number = stream.clientCount;
  const sent: number = stream.stats().sent;
  void [clients, sent];
  // @ts-expect-error: not an option
  mjpegHandler(camera, { framesPerSecond: 10 });
  // @ts-expect-error: a handler takes a request and a response
  stream('/stream');
}
