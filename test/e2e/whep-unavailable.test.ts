// Where node-datachannel has no build (armhf: npm skips the optional dependency's native part and
// its import throws), turbocam still runs: WHEP answers 501 ERR_WEBRTC_UNAVAILABLE naming the
// remedy, and the MJPEG stream goes on. The import fails here the way it fails there.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, expect, it, vi } from 'vitest';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import { ControlledSource } from '../helpers/controlled-source.js';
import { FfmpegH264Producer } from '../helpers/h264-fixture.js';

vi.mock('node-datachannel', () => {
  throw new Error('Cannot load native addon for node-datachannel on linux (arm). Attempted to require "undefined".');
});

const OFFER = readFileSync(new URL('../fixtures/chromium-recvonly-offer.sdp', import.meta.url), 'utf8');

let server: TurbocamServer | undefined;
afterEach(async () => {
  await server?.close();
});

function post(port: number, path: string, type: string, body: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'Content-Type': type } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

it('answers 501 ERR_WEBRTC_UNAVAILABLE with the remedy, on /whep and /webrtc, and keeps serving', async () => {
  const source = new ControlledSource();
  server = createServer({ source, h264: new FfmpegH264Producer() });
  await server.listen({ port: 0 });
  const port = server.port!;
  for (const reply of [
    await post(port, '/whep', 'application/sdp', OFFER),
    await post(port, '/webrtc', 'application/json', JSON.stringify({ type: 'request' })),
  ]) {
    expect(reply.status).toBe(501);
    expect(reply.body).toMatchObject({ ok: false, error: { status: 501, code: 'ERR_WEBRTC_UNAVAILABLE' } });
    expect(reply.body.error.message).toMatch(/node-datachannel does not load on linux-/);
    expect(reply.body.error.message).toMatch(/npm install node-datachannel.*or use the MSE stream/);
  }
  // The offer is still checked first: a bad one is the client's fault whatever the server has.
  expect((await post(port, '/whep', 'application/sdp', 'v=1')).status).toBe(400);
  expect(server.h264.stats().running).toBe(false);
});
