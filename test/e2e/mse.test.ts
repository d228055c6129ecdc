// GET /ws, the MSE stream, against a real WebSocket client (`ws`) and real H.264 (libx264 through
// the fixture producer): the init announcement and segment, then one fragment per unit from a
// keyframe that ffmpeg decodes; /state and /metrics count it; refusals in the project's JSON
// shape; auth and origins as the other routes; close from the client, the server and the source;
// a reader that stops is skipped to the next keyframe, then cut when it never drains.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { lengthPrefixed, readAccessUnit } from '../../src/h264/annexb.js';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import type { H264Availability, H264Producer, H264Stats, H264Unit } from '../../src/sources/h264-source.js';
import { ControlledSource } from '../helpers/controlled-source.js';
import { FfmpegH264Producer, type FixtureOptions } from '../helpers/h264-fixture.js';
import { fetchRaw } from '../helpers/http.js';
import { findBox } from '../helpers/mp4-boxes.js';
import { fragmentInfo, kinds, openMse, type MseClient } from '../helpers/mse-client.js';
import { waitUntil } from '../helpers/wait.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** The fixture, plus a failure injected on demand (as a Camera's encoder thread may fail). */
class FailingProducer extends FfmpegH264Producer {
  private onError: ((error: Error) => void) | undefined;
  override startH264(onUnit: (unit: H264Unit) => void, onError: (error: Error) => void): void {
    this.onError = onError;
    super.startH264(onUnit, onError);
  }
  fail(error: Error): void {
    this.stopH264();
    this.onError?.(error);
  }
}

/** A FrameSource that codes H.264 itself, as a Camera with H.264 does: found by duck typing. */
class H264Source extends ControlledSource implements H264Producer {
  private readonly producer: FfmpegH264Producer;
  constructor(options: FixtureOptions) {
    super(64, 48);
    this.producer = new FfmpegH264Producer(options);
  }
  get h264Availability(): H264Availability {
    return this.producer.h264Availability;
  }
  startH264(onUnit: (unit: H264Unit) => void, onError: (error: Error) => void): void {
    this.producer.startH264(onUnit, onError);
  }
  stopH264(): void {
    this.producer.stopH264();
  }
  requestKeyframe(): void {
    this.producer.requestKeyframe();
  }
  h264Stats(): H264Stats {
    return this.producer.h264Stats();
  }
}

async function start(options: Partial<Parameters<typeof createServer>[0]> = {}): Promise<TurbocamServer> {
  const server = createServer({ source: new ControlledSource(64, 48), ...options });
  cleanup.push(() => server.close());
  await server.listen({ port: 0 });
  return server;
}

async function client(server: TurbocamServer, options: Parameters<typeof openMse>[1] = {}): Promise<MseClient> {
  const mse = await openMse(`ws://127.0.0.1:${server.port}/ws`, options);
  cleanup.push(() => mse.ws.terminate());
  return mse;
}

const state = async (server: TurbocamServer): Promise<Record<string, any>> =>
  (JSON.parse((await fetchRaw({ port: server.port! }, '/state')).body.toString()) as { result: { h264: Record<string, any> } }).result.h264;

/** Sends a raw request head and reads the answer until the server closes. */
function rawRequest(port: number, head: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const [top = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(top.split(' ')[1]), head: top, body });
    });
  });
}

const upgradeHead = (extra: Record<string, string>, path = '/ws'): string =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries({
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...extra,
  })
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;

describe('GET /ws (MSE)', () => {
  it('sends the init announcement and segment, then fragments from a keyframe that ffmpeg decodes', async () => {
    const producer = new FfmpegH264Producer({ width: 320, height: 240, fps: 30, keyframeInterval: 15 });
    const server = await start({ h264: producer });
    const mse = await client(server);
    await waitUntil('40 fragments', () => mse.messages.length >= 42);
    const got = kinds(mse.messages);
    expect(got.slice(0, 3)).toEqual(['json:init', 'init', 'fragment']);
    expect(got.slice(2, 42).every((kind) => kind === 'fragment')).toBe(true);
    expect(mse.messages[0]!.json).toEqual({
      type: 'init',
      codec: expect.stringMatching(/^avc1\.42C0[0-9A-F]{2}$/),
      width: 320,
      height: 240,
    });
    const fragments = mse.messages.slice(2, 42).map((m) => fragmentInfo(m.data!));
    expect(fragments[0]).toMatchObject({ sequence: 1, decodeTime: 0, sync: true });
    expect(fragments.map((f) => f.sequence)).toEqual(fragments.map((_, i) => i + 1));
    // One keyframe every 15 units from the first.
    expect(fragments.filter((f) => f.sync).length).toBeGreaterThanOrEqual(2);
    // ffmpeg reads what the socket carried as one MP4 and decodes every unit (passthrough: units
    // stamped close together on a loaded machine are frames, not duplicates to drop).
    const file = Buffer.concat(mse.messages.slice(1, 42).map((m) => m.data!));
    const frames = execFileSync(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0', '-fps_mode', 'passthrough', '-f', 'framemd5', 'pipe:1'],
      {
        input: file,
      },
    )
      .toString()
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(frames).toHaveLength(40);
  });

  it('/state and /metrics count the viewer, the stream runs only while one watches', async () => {
    const producer = new FfmpegH264Producer({ width: 320, height: 240, fps: 30 });
    const server = await start({ h264: producer });
    const idle = await state(server);
    expect(idle).toMatchObject({ available: true, encoder: 'ffmpeg libx264 (test fixture)', reason: null, running: false });
    const mse = await client(server);
    await waitUntil('fragments', () => mse.messages.length >= 20);
    const live = await state(server);
    expect(live).toMatchObject({ running: true, viewers: { mse: 1, webrtc: 0 }, mse: { connections: 1 } });
    expect(live.units).toBeGreaterThanOrEqual(18);
    expect(live.keyframes).toBeGreaterThanOrEqual(1);
    expect(live.bitrate_kbps).toBeGreaterThan(0);
    expect(live.mse.bytes).toBeGreaterThan(0);
    const metrics = (await fetchRaw({ port: server.port! }, '/metrics')).body.toString();
    expect(metrics).toMatch(/^turbocam_h264_viewers\{[^}]*kind="mse"\} 1$/m);
    expect(metrics).toMatch(/^turbocam_h264_running\{[^}]*\} 1$/m);
    expect(Number(/^turbocam_h264_units_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(18);
    expect(Number(/^turbocam_h264_bitrate_bits_per_second\{[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    // The client leaves: the server closes its side, the producer stops.
    mse.ws.close(1000, 'bye');
    expect(await mse.closed).toEqual({ code: 1000, reason: '' });
    await waitUntil('the stream stops', async () => (await state(server)).running === false);
    expect(producer.h264Stats().running).toBe(false);
    expect((await state(server)).viewers).toEqual({ mse: 0, webrtc: 0, rtsp: 0 });
  });

  it('takes the source itself as the producer when it codes H.264', async () => {
    const server = await start({ source: new H264Source({ width: 160, height: 120 }) });
    const mse = await client(server);
    await waitUntil('fragments', () => mse.messages.length >= 3);
    expect(mse.messages[0]!.json).toMatchObject({ width: 160, height: 120 });
  });

  it('without H.264 /state says why and /ws answers 503 with the reason', async () => {
    const server = await start();
    expect(await state(server)).toMatchObject({ available: false, running: false, reason: expect.stringMatching(/does not code H.264/) });
    const refused = await openMse(`ws://127.0.0.1:${server.port}/ws`).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 503 });
    expect(JSON.parse((refused as { body: string }).body)).toEqual({
      ok: false,
      error: { status: 503, message: expect.stringMatching(/^H.264 is unavailable: the source does not code H.264/) },
    });
    expect((await fetchRaw({ port: server.port! }, '/metrics')).body.toString()).toMatch(/^turbocam_h264_available\{[^}]*\} 0$/m);
  });

  it('refuses what is not a WebSocket handshake with 400 and the JSON error shape', async () => {
    const server = await start({ h264: new FfmpegH264Producer() });
    const plain = await fetchRaw({ port: server.port! }, '/ws');
    expect(plain.status).toBe(400);
    expect(JSON.parse(plain.body.toString())).toEqual({ ok: false, error: { status: 400, message: expect.stringMatching(/WebSocket/) } });
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'Sec-WebSocket-Version': '8' }, /Sec-WebSocket-Version: 13/],
      [{ 'Sec-WebSocket-Key': '' }, /Sec-WebSocket-Key/],
      [{ 'Sec-WebSocket-Key': 'short' }, /Sec-WebSocket-Key/],
      [{ Connection: 'keep-alive, Upgrade', Upgrade: 'h2c' }, /Upgrade: websocket/],
    ];
    for (const [headers, message] of cases) {
      const answer = await rawRequest(server.port!, upgradeHead(headers));
      expect(answer.status, JSON.stringify(headers)).toBe(400);
      expect(answer.head).toMatch(/^Sec-WebSocket-Version: 13$/im);
      expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { status: 400, message: expect.stringMatching(message) } });
    }
    const post = await fetchRaw({ port: server.port! }, '/ws', { method: 'POST' });
    expect(post.status).toBe(405);
    // Another route asked with an Upgrade (curl --http2 asks h2c) is answered as usual.
    const other = await rawRequest(server.port!, upgradeHead({ Upgrade: 'h2c', Connection: 'Upgrade, HTTP2-Settings' }, '/state'));
    expect(other.status).toBe(200);
    expect(JSON.parse(other.body)).toMatchObject({ ok: true });
    // Nothing of these started the stream.
    expect((await state(server)).running).toBe(false);
    const requests = (await fetchRaw({ port: server.port! }, '/metrics')).body.toString();
    expect(requests).toMatch(/^turbocam_http_requests_total\{[^}]*route="ws",code="400"\} 5$/m);
  });

  it('asks for the same auth as the other routes, and refuses browsers from other origins', async () => {
    const server = await start({ h264: new FfmpegH264Producer({ width: 160, height: 120 }), auth: [{ user: 'u', pass: 'p' }] });
    const anonymous = await openMse(`ws://127.0.0.1:${server.port}/ws`).catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ status: 401, headers: { 'www-authenticate': expect.stringMatching(/^Basic/) } });
    const authorization = `Basic ${Buffer.from('u:p').toString('base64')}`;
    const mse = await client(server, { headers: { Authorization: authorization } });
    await waitUntil('fragments', () => mse.messages.length >= 3);
    const foreign = await openMse(`ws://127.0.0.1:${server.port}/ws`, {
      headers: { Authorization: authorization },
      origin: 'http://evil.example',
    }).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ status: 403 });
    // The page's own origin is fine.
    const own = await client(server, { headers: { Authorization: authorization }, origin: `http://127.0.0.1:${server.port}` });
    await waitUntil('fragments to the same-origin page', () => own.messages.length >= 3);
  });

  it('an origin allowed by CORS may open it', async () => {
    const server = await start({ h264: new FfmpegH264Producer({ width: 160, height: 120 }), allowOrigin: 'http://dashboard.example' });
    const mse = await client(server, { origin: 'http://dashboard.example' });
    await waitUntil('fragments', () => mse.messages.length >= 3);
    expect(
      (await openMse(`ws://127.0.0.1:${server.port}/ws`, { origin: 'http://other.example' }).catch((e: unknown) => e)) as object,
    ).toMatchObject({ status: 403 });
  });

  it('closing the server closes each socket with 1001; a source failure closes it with 1011 and the reason', async () => {
    const producer = new FailingProducer({ width: 160, height: 120 });
    const server = await start({ h264: producer });
    const a = await client(server);
    await waitUntil('fragments', () => a.messages.length >= 3);
    producer.fail(new Error('encoder thread died'));
    expect(await a.closed).toEqual({ code: 1011, reason: 'H.264 failed: encoder thread died' });
    expect(await state(server)).toMatchObject({ running: false, error: { message: 'encoder thread died' } });
    // The next viewer starts the stream again; the server's close ends it.
    const b = await client(server);
    await waitUntil('fragments again', () => b.messages.length >= 3);
    await server.close();
    expect(await b.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(producer.h264Stats().running).toBe(false);
  });

  it('a reader that stops skips to the next keyframe, and resumes there', async () => {
    // 720p testsrc2 is a few Mbit/s: a stopped reader's backlog passes 512 KiB in seconds.
    const server = await start({ h264: new FfmpegH264Producer({ width: 1280, height: 720, fps: 30, keyframeInterval: 30 }) });
    // Every unit the hub hands out, to tell which of them each fragment carries.
    const all: H264Unit[] = [];
    server.h264.add({ kind: 'webrtc', backlogBytes: 0, send: (unit) => void all.push(unit) });
    await waitUntil('the stream', () => all.length >= 1);
    const mse = await client(server);
    await waitUntil('fragments', () => mse.messages.length >= 5);
    const socket = (mse.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause();
    await waitUntil('a skip', async () => (await state(server)).skips >= 1);
    socket.resume();
    const skipped = (await state(server)).skipped_units as number;
    const before = mse.messages.length;
    await waitUntil('fragments after the skip', () => mse.messages.length > before + 30);
    const moofs = mse.messages.filter((m) => m.data?.toString('latin1', 4, 8) === 'moof').map((m) => m.data!);
    const fragments = moofs.map((data) => fragmentInfo(data));
    // Which unit each fragment carries: its mdat is that unit's slices, length-prefixed.
    const bySample = new Map(all.map((unit) => [lengthPrefixed(readAccessUnit(unit.data).sampleNals).toString('base64'), unit]));
    const units = moofs.map((data) => bySample.get(findBox(data, 'mdat')!.body.toString('base64'))!);
    expect(units.every((unit) => unit !== undefined)).toBe(true);
    const resumed = units.filter((unit, i) => i > 0 && unit.sequence !== units[i - 1]!.sequence + 1);
    expect(skipped).toBeGreaterThan(0);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    // Where units were skipped, the viewer resumed at a keyframe, and its fragment says so.
    expect(resumed.every((unit) => unit.keyframe)).toBe(true);
    expect(fragments.filter((_, i) => i > 0 && units[i]!.sequence !== units[i - 1]!.sequence + 1).every((f) => f.sync)).toBe(true);
    // A keyframe's decode time is its unit's time since the viewer's first unit (90 kHz); other
    // frames may be moved up over a gap, which MSE would take as a discontinuity.
    const origin = units[0]!;
    const keyframes = fragments.filter((f) => f.sync);
    expect(keyframes.map((f) => f.decodeTime)).toEqual(
      units.filter((unit) => unit.keyframe).map((unit) => Math.round((unit.timestamp - origin.timestamp) * 90)),
    );
  });

  it('a reader that never drains is cut after the stall timeout', async () => {
    const server = await start({ h264: new FfmpegH264Producer({ width: 1280, height: 720, fps: 30 }), stallTimeoutMs: 1000 });
    const mse = await client(server);
    await waitUntil('fragments', () => mse.messages.length >= 3);
    (mse.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    await waitUntil('the viewer is gone', async () => (await state(server)).viewers.mse === 0);
    expect((await state(server)).running).toBe(false);
  });
});

describe('maxClients', () => {
  it('caps MSE viewers too: one past it gets 503 with Retry-After, counted', async () => {
    const server = await start({ h264: new FfmpegH264Producer({ width: 160, height: 120 }), maxClients: 1 });
    const first = await client(server);
    await waitUntil('fragments', () => first.messages.length >= 3);
    const refused = await openMse(`ws://127.0.0.1:${server.port}/ws`).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect((await state(server)).mse).toMatchObject({ connections: 1, rejected: 1 });
    first.ws.close();
    await first.closed;
    await waitUntil('room again', async () => (await state(server)).viewers.mse === 0);
    const second = await client(server);
    await waitUntil('fragments to the next', () => second.messages.length >= 3);
  });
});

describe('the h264 option', () => {
  it('refuses what is not an H264Producer with ERR_INVALID_ARG', () => {
    expect(() => createServer({ source: new ControlledSource(64, 48), h264: { startH264() {} } as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/`h264` must be an H264Producer/) }),
    );
  });

  it('two servers on one producer share its hub: one stream, and one server closing leaves the other streaming', async () => {
    const producer = new FfmpegH264Producer({ width: 160, height: 120 });
    const a = await start({ h264: producer });
    const b = await start({ h264: producer });
    expect(a.h264).toBe(b.h264);
    const viaA = await client(a);
    const viaB = await client(b);
    await waitUntil('fragments to both', () => viaA.messages.length >= 3 && viaB.messages.length >= 3);
    expect((await state(a)).viewers.mse).toBe(2);
    await a.close();
    expect(await viaA.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    const count = viaB.messages.length;
    await waitUntil('more fragments through the other server', () => viaB.messages.length > count + 5);
    expect(producer.h264Stats().running).toBe(true);
  });
});
