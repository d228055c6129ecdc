// Drop reasons are one list: the native pipeline reports exactly those names, Camera.stats()
// carries each, and /metrics has a sample per reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, openCamera, type Camera, type TurbocamServer } from '../../src/index.js';
import { DROP_REASONS } from '../../src/sources/source.js';
import { fetchRaw } from '../helpers/http.js';

let camera: Camera;
let server: TurbocamServer;

beforeAll(async () => {
  camera = await openCamera({ source: 'testsrc', width: 64, height: 48, fps: 30 });
  server = createServer({ source: camera });
  await server.listen({ port: 0 });
});

afterAll(async () => {
  await server.close();
  await camera.close();
});

describe('drop reasons', () => {
  it('the native stats name exactly DROP_REASONS, in order', () => {
    expect(Object.keys(camera.stats().dropped)).toEqual([...DROP_REASONS]);
  });

  it('/metrics has a turbocam_frames_dropped_total sample per reason', async () => {
    const metrics = (await fetchRaw({ port: server.port ?? 0 }, '/metrics')).body.toString();
    const reasons = [...metrics.matchAll(/^turbocam_frames_dropped_total\{[^}]*reason="(\w+)"\} \d+$/gm)].map((match) => match[1]);
    expect(reasons).toEqual([...DROP_REASONS]);
  });
});
