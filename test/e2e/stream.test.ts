// Real clients against a real server streaming real JPEGs: ffmpeg, curl, a strict Node parser.
import { spawn } from 'node:child_process';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import type { FrameSource } from '../../src/sources/source.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { openTestSource } from '../helpers/source.js';

const WIDTH = 640;
const HEIGHT = 480;
let source: FrameSource;
let server: TurbocamServer;
let port: number;

beforeAll(async () => {
  source = await openTestSource(WIDTH, HEIGHT, 30);
  server = createServer({ source });
  await server.listen({ port: 0 });
  port = server.port ?? 0;
});

afterAll(async () => {
  await server.close();
  await source.close();
});

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

describe('MJPEG over HTTP', () => {
  it('ffmpeg reads /stream and decodes the frames', async () => {
    const frames = 20;
    const result = await run('ffmpeg', [
      '-loglevel',
      'error',
      '-i',
      `http://127.0.0.1:${port}/stream`,
      '-frames:v',
      String(frames),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(frames * WIDTH * HEIGHT);
  });

  it('curl gets /snapshot and the JPEG decodes', async () => {
    const result = await run('curl', ['-sS', '--fail', '-i', `http://127.0.0.1:${port}/snapshot`]);
    expect(result.code).toBe(0);
    const out = result.stdout;
    const split = out.indexOf('\r\n\r\n');
    const head = out.subarray(0, split).toString();
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/content-type: image\/jpeg/i);
    const image = jpeg.decode(out.subarray(split + 4));
    expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
  });

  it('a strict client sees well-formed parts with rising sequences and decodable JPEGs', async () => {
    const client = new StrictMjpegClient({ port });
    await client.waitForParts(30);
    client.close();
    expect(client.responseHeaders.get('transfer-encoding')).toBeUndefined();
    const sequences = client.parts.map((p) => Number(p.headers.get('x-sequence')));
    for (let i = 1; i < sequences.length; i += 1) expect(sequences[i]).toBeGreaterThan(sequences[i - 1] ?? Infinity);
    for (const part of client.parts) {
      expect(Number(part.headers.get('x-timestamp'))).toBeGreaterThan(0);
      expect(Number(part.headers.get('content-length'))).toBe(part.body.length);
    }
    const last = client.parts.at(-1);
    expect(last).toBeDefined();
    const image = jpeg.decode(last?.body ?? Buffer.alloc(0));
    expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
  });

  it('answers mjpg-streamer URLs', async () => {
    const snapshot = await fetchRaw({ port }, '/?action=snapshot');
    expect(snapshot.status).toBe(200);
    expect(jpeg.decode(snapshot.body).width).toBe(WIDTH);
    const client = new StrictMjpegClient({ port, path: '/?action=stream' });
    await client.waitForParts(3);
    client.close();
  });

  it('HEAD gives headers without a body', async () => {
    const snapshot = await fetchRaw({ port }, '/snapshot', { method: 'HEAD' });
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers['content-type']).toBe('image/jpeg');
    expect(Number(snapshot.headers['content-length'])).toBeGreaterThan(1000);
    expect(snapshot.body.length).toBe(0);
    const stream = await fetchRaw({ port }, '/stream', { method: 'HEAD' });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^multipart\/x-mixed-replace; boundary=/);
    expect(stream.body.length).toBe(0);
    for (const path of ['/', '/state', '/metrics']) {
      const head = await fetchRaw({ port }, path, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
      expect(head.body.length).toBe(0);
    }
  });

  it('answers unknown paths with JSON 404 and wrong methods with JSON 405', async () => {
    const missing = await fetchRaw({ port }, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(missing.body.toString())).toMatchObject({ ok: false, error: { status: 404 } });
    const post = await fetchRaw({ port }, '/stream', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(post.body.toString())).toMatchObject({ ok: false, error: { status: 405 } });
    const del = await fetchRaw({ port }, '/snapshot', { method: 'DELETE' });
    expect(del.status).toBe(405);
  });

  it('/state reports source, fps and each client with its fps and drops', async () => {
    const client = new StrictMjpegClient({ port, path: '/stream?key=watcher' });
    const forged = new StrictMjpegClient({ port, path: `/stream?key=${encodeURIComponent('x\n2026 info forged')}` });
    await client.waitForParts(40);
    await forged.waitForParts(1);
    const answer = await fetchRaw({ port }, '/state');
    client.close();
    forged.close();
    expect(answer.status).toBe(200);
    const json = JSON.parse(answer.body.toString());
    expect(json.ok).toBe(true);
    const state = json.result;
    expect(state.source).toMatchObject({
      kind: 'testsrc',
      format: source.info.format,
      resolution: { width: WIDTH, height: HEIGHT },
      desired_fps: 30,
      online: true,
    });
    // Rates of a running source (how high depends on the machine's load).
    expect(state.source.captured_fps).toBeGreaterThan(0);
    expect(state.source.encoded_fps).toBeGreaterThan(0);
    const clients = Object.values(state.stream.clients_stat) as Array<{ key: string; fps: number; dropped: number; address: string }>;
    const watcher = clients.find((c) => c.key === 'watcher');
    expect(watcher).toBeDefined();
    expect(watcher?.fps).toBeGreaterThan(0);
    expect(watcher?.dropped).toBeGreaterThanOrEqual(0);
    expect(watcher?.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(clients.map((c) => c.key)).toContain('x?2026 info forged');
  });

  it('/metrics is Prometheus text with frame and client counters', async () => {
    const answer = await fetchRaw({ port }, '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = answer.body.toString();
    const sent = /^turbocam_client_frames_sent_total\{[^}]*\} (\d+)$/m.exec(text);
    expect(Number(sent?.[1])).toBeGreaterThan(30);
    expect(text).toMatch(/^# TYPE turbocam_clients gauge$/m);
    expect(text).toMatch(/^turbocam_http_requests_total\{instance_name="[^"]*",route="other",code="404"\} \d+$/m);
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+\{.*\} -?[\d.e+-]+)$/);
  });

  it('?fps=N caps one client without slowing another', async () => {
    const capped = new StrictMjpegClient({ port, path: '/stream?fps=5' });
    const full = new StrictMjpegClient({ port });
    const start = Date.now();
    // A count of frames, not a time: load slows both clients alike.
    await full.waitForParts(40);
    await capped.waitForParts(2);
    const seconds = (Date.now() - start) / 1000;
    const cappedCount = capped.parts.length;
    const fullCount = full.parts.length;
    const stat = JSON.parse((await fetchRaw({ port }, '/state')).body.toString()).result.stream.clients_stat as Record<
      string,
      { fps_cap: number; skipped_by_fps_cap: number }
    >;
    const cappedStat = Object.values(stat).find((c) => c.fps_cap === 5);
    expect(cappedStat?.skipped_by_fps_cap).toBeGreaterThan(0);
    // The cap is an upper bound on the capped one, however slow the machine; the other is not held to it.
    expect(cappedCount).toBeLessThanOrEqual(5 * seconds + 2);
    expect(fullCount).toBeGreaterThan(cappedCount);
    const metrics = (await fetchRaw({ port }, '/metrics')).body.toString();
    expect(Number(/^turbocam_client_frames_skipped_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    capped.close();
    full.close();
  });

  it('µStreamer options: extra_headers adds no-cache part headers, dual_final_frames sends frames twice', async () => {
    const extra = new StrictMjpegClient({ port, path: '/stream?extra_headers=1' });
    await extra.waitForParts(2);
    extra.close();
    expect(extra.parts[1]?.headers.get('cache-control')).toMatch(/no-store/);
    const dual = new StrictMjpegClient({ port, path: '/stream?dual_final_frames=1' });
    await dual.waitForParts(6);
    dual.close();
    const sequences = dual.parts.map((p) => p.headers.get('x-sequence'));
    expect(sequences[1]).toBe(sequences[0]);
    expect(sequences[3]).toBe(sequences[2]);
  });
});
