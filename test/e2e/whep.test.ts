// WHEP and camera-streamer's /webrtc as an HTTP client sees them: status codes, headers, CORS,
// auth, the JSON error shape, DELETE, and the answer's H.264 payload type being the offer's. The
// offers are Chromium's own (a fixture); test/e2e/webrtc-browser.test.ts plays the stream.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ServerOptions, type TurbocamServer } from '../../src/http/server.js';
import { answerPayloadType } from '../../src/webrtc/sdp.js';
import { ControlledSource } from '../helpers/controlled-source.js';
import { FfmpegH264Producer } from '../helpers/h264-fixture.js';
import { waitUntil } from '../helpers/wait.js';

const OFFER = readFileSync(new URL('../fixtures/chromium-recvonly-offer.sdp', import.meta.url), 'utf8');

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const SDP = { 'Content-Type': 'application/sdp' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const post = (port: number, body: string, headers: Record<string, string> = SDP): Promise<Reply> =>
  send(port, 'POST', '/whep', headers, body);
const webrtc = (port: number, message: object): Promise<Reply> => send(port, 'POST', '/webrtc', JSON_TYPE, JSON.stringify(message));

let server: TurbocamServer | undefined;
let lines: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  lines = [];
});

async function start(options: Partial<ServerOptions> = {}, h264 = true): Promise<number> {
  server = createServer({
    source: new ControlledSource(),
    ...(h264 ? { h264: new FfmpegH264Producer({ width: 320, height: 180 }) } : {}),
    log: (level, message) => lines.push(`${level} ${message}`),
    ...options,
  });
  await server.listen({ port: 0 });
  return server.port!;
}

function errorOf(reply: Reply): { status: number; code?: string; message: string } {
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(reply.text) as { ok: boolean; error: { status: number; code?: string; message: string } };
  expect(body.ok).toBe(false);
  expect(body.error.status).toBe(reply.status);
  return body.error;
}

describe('POST /whep', () => {
  it("answers 201 with Location and the SDP answer, reusing the offer's H.264 payload type, non-trickle", async () => {
    const port = await start();
    const reply = await post(port, OFFER);
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe('application/sdp');
    expect(reply.headers.location).toMatch(/^\/whep\/[A-Za-z0-9_-]{16}$/);
    // Chromium numbers Constrained Baseline, packetization-mode=1 as 108; the answer must too.
    expect(answerPayloadType(reply.text)).toBe(108);
    expect(reply.text).toMatch(/^m=video \d+ UDP\/TLS\/RTP\/SAVPF 108\r$/m);
    expect(reply.text).toContain('a=sendonly');
    expect(reply.text).toContain('a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f');
    // Every candidate in the answer: the browser needs no trickle.
    expect(reply.text).toMatch(/^a=candidate:.* typ host/m);
    expect(reply.text).toContain('a=end-of-candidates');
  });

  it('answers an offer with audio too (WHEP players often add it): video on its own mid, no audio stream', async () => {
    const port = await start();
    const reply = await post(port, readFileSync(new URL('../fixtures/chromium-audio-video-offer.sdp', import.meta.url), 'utf8'));
    expect(reply.status).toBe(201);
    const video = reply.text.slice(reply.text.indexOf('m=video'));
    expect(video).toContain('a=mid:1');
    expect(video).toContain('a=sendonly');
    expect(answerPayloadType(reply.text)).toBe(108);
    // Every offered section is answered (BUNDLE wants it); only video carries our stream.
    const audio = reply.text.slice(reply.text.indexOf('m=audio'), reply.text.indexOf('m=video'));
    expect(audio).toContain('a=mid:0');
    expect(audio).not.toContain('a=ssrc:');
  });

  it('DELETE on the Location ends the session (200), then 404; PATCH (trickle) is 405', async () => {
    const port = await start();
    const location = (await post(port, OFFER)).headers.location as string;
    const patch = await send(
      port,
      'PATCH',
      location,
      { 'Content-Type': 'application/trickle-ice-sdpfrag' },
      'a=candidate:1 1 UDP 1 1.2.3.4 5 typ host',
    );
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('DELETE, OPTIONS');
    expect((await send(port, 'DELETE', location)).status).toBe(200);
    await waitUntil('the peer closed', () => lines.some((line) => line.includes('closed (DELETE)')));
    const again = await send(port, 'DELETE', location);
    expect(again.status).toBe(404);
    expect(errorOf(again).message).toMatch(/no WHEP session/);
    expect((await send(port, 'DELETE', '/whep/nonsense')).status).toBe(404);
  });

  it('refuses a wrong type (415), a bad or non-H.264 offer (400 ERR_BAD_OFFER), a huge body (413), other methods (405)', async () => {
    const port = await start();
    const wrongType = await post(port, OFFER, { 'Content-Type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(errorOf(wrongType).message).toMatch(/application\/sdp/);
    const garbage = await post(port, 'hello');
    expect(garbage.status).toBe(400);
    expect(errorOf(garbage)).toMatchObject({ code: 'ERR_BAD_OFFER' });
    const vp8Only = OFFER.replace(/^a=rtpmap:(\d+) H264\/90000\r$/gm, 'a=rtpmap:$1 XH264/90000\r');
    const refused = await post(port, vp8Only);
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatchObject({ code: 'ERR_BAD_OFFER', message: expect.stringMatching(/no H\.264/) });
    // H.264 offered, but no DTLS fingerprint or ICE credentials: the library's own checks refuse it.
    const unsigned = OFFER.replace(/^a=(fingerprint|ice-ufrag|ice-pwd):.*\r\n/gm, '');
    const library = await post(port, unsigned);
    expect(library.status).toBe(400);
    expect(errorOf(library)).toMatchObject({ code: 'ERR_BAD_OFFER', message: expect.stringMatching(/the offer was refused/) });
    expect((await post(port, `${OFFER}${'a=x\r\n'.repeat(20_000)}`)).status).toBe(413);
    const get = await send(port, 'GET', '/whep');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST, OPTIONS');
    expect(server!.h264.stats().viewers.webrtc).toBe(0);
  });

  it('answers 503 ERR_H264_UNAVAILABLE, with the reason, for a source that codes no H.264', async () => {
    const port = await start({}, false);
    const reply = await post(port, OFFER);
    expect(reply.status).toBe(503);
    expect(errorOf(reply)).toMatchObject({ code: 'ERR_H264_UNAVAILABLE', message: expect.stringMatching(/does not code H\.264/) });
  });

  it('counts WebRTC viewers against maxClients (503 past it)', async () => {
    const port = await start({ maxClients: 1 });
    expect((await post(port, OFFER)).status).toBe(201);
    const second = await post(port, OFFER);
    expect(second.status).toBe(503);
    expect(errorOf(second).message).toMatch(/too many WebRTC viewers/);
  });

  it('closes a call that never connects after webrtcTimeoutMs, and forgets it', async () => {
    const port = await start({ webrtcTimeoutMs: 300 });
    // The fixture's browser is long gone: nobody will answer ICE checks.
    const location = (await post(port, OFFER)).headers.location as string;
    await waitUntil('the call closed', () => lines.some((line) => line.includes('closed (ICE did not connect in time)')));
    expect((await send(port, 'DELETE', location)).status).toBe(404);
  });

  it('server close ends every session', async () => {
    const port = await start();
    await post(port, OFFER);
    await post(port, OFFER);
    await server!.close();
    expect(lines.filter((line) => line.includes('closed (server closing)'))).toHaveLength(2);
  });
});

describe('OPTIONS, CORS and auth', () => {
  it('OPTIONS /whep is 204 with Accept-Post whether or not CORS is on', async () => {
    const port = await start();
    const reply = await send(port, 'OPTIONS', '/whep');
    expect(reply.status).toBe(204);
    expect(reply.headers['accept-post']).toBe('application/sdp');
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('with allowOrigin: the preflight allows POST with Content-Type, and the answer exposes Location', async () => {
    const port = await start({ allowOrigin: 'http://app.example' });
    const origin = { Origin: 'http://app.example' };
    const preflight = await send(port, 'OPTIONS', '/whep', { ...origin, 'Access-Control-Request-Method': 'POST' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'http://app.example',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'Authorization, Content-Type',
      'accept-post': 'application/sdp',
    });
    const answered = await post(port, OFFER, { ...SDP, ...origin });
    expect(answered.status).toBe(201);
    expect(answered.headers['access-control-allow-origin']).toBe('http://app.example');
    expect(answered.headers['access-control-expose-headers']).toBe('Location');
    const other = await post(port, OFFER, { ...SDP, Origin: 'http://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflightDelete = await send(port, 'OPTIONS', answered.headers.location as string, origin);
    expect(preflightDelete.headers['access-control-allow-methods']).toBe('DELETE, OPTIONS');
  });

  it('with auth: POST and DELETE want the credentials (401), the preflight does not', async () => {
    const port = await start({ auth: [{ user: 'me', pass: 'secret' }] });
    const authorization = { Authorization: `Basic ${Buffer.from('me:secret').toString('base64')}` };
    const refused = await post(port, OFFER);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await send(port, 'POST', '/webrtc', JSON_TYPE, '{"type":"request"}')).status).toBe(401);
    expect((await send(port, 'OPTIONS', '/whep')).status).toBe(204);
    const answered = await post(port, OFFER, { ...SDP, ...authorization });
    expect(answered.status).toBe(201);
    expect((await send(port, 'DELETE', answered.headers.location as string)).status).toBe(401);
    expect((await send(port, 'DELETE', answered.headers.location as string, authorization)).status).toBe(200);
  });
});

describe("camera-streamer's POST /webrtc", () => {
  it('request: a server offer with an id; answer and remote_candidate take that id; unknown ids are 404', async () => {
    const port = await start();
    const offered = await webrtc(port, { type: 'request', res: '720p', iceServers: [{ urls: ['stun:stun.example:19302'] }] });
    expect(offered.status).toBe(200);
    const offer = JSON.parse(offered.text) as { id: string; type: string; sdp: string; iceServers: unknown[] };
    expect(offer).toMatchObject({ id: expect.any(String), type: 'offer', iceServers: [] });
    expect(offer.sdp).toContain('a=sendonly');
    expect(answerPayloadType(offer.sdp)).toBe(102);
    expect(offer.sdp).toContain('a=end-of-candidates');
    // Candidates may come before the answer: they are kept until it arrives.
    const early = await webrtc(port, {
      type: 'remote_candidate',
      id: offer.id,
      candidates: [{ candidate: 'candidate:1 1 UDP 2122260223 127.0.0.1 9 typ host', sdpMid: 'video' }],
    });
    expect(early.status).toBe(200);
    expect(JSON.parse(early.text)).toEqual({});
    expect((await webrtc(port, { type: 'answer', id: 'nope', sdp: 'v=0' })).status).toBe(404);
    expect((await webrtc(port, { type: 'remote_candidate', id: 'nope', candidates: [] })).status).toBe(404);
    expect((await webrtc(port, { type: 'answer', id: offer.id })).status).toBe(400);
    expect((await webrtc(port, { type: 'remote_candidate', id: offer.id, candidates: [{ candidate: 1 }] })).status).toBe(400);
  });

  it("offer: answered with the offer's payload type; bad bodies are 400 or 415 with the JSON error shape", async () => {
    const port = await start();
    const answered = await webrtc(port, { type: 'offer', sdp: OFFER });
    expect(answered.status).toBe(200);
    const answer = JSON.parse(answered.text) as { type: string; sdp: string };
    expect(answer.type).toBe('answer');
    expect(answerPayloadType(answer.sdp)).toBe(108);
    expect(errorOf(await webrtc(port, { type: 'bye' })).message).toMatch(/not expected/);
    expect(errorOf(await webrtc(port, { type: 'offer' })).message).toMatch(/no sdp/);
    expect(errorOf(await send(port, 'POST', '/webrtc', JSON_TYPE, '[1]')).status).toBe(400);
    expect((await send(port, 'POST', '/webrtc', SDP, OFFER)).status).toBe(415);
    expect((await send(port, 'GET', '/webrtc')).status).toBe(405);
  });
});
