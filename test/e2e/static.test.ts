// µStreamer's --static DIR: DIR's files at `/` with their content types, and nothing outside DIR:
// not through `..` (plain or percent-encoded), an encoded slash, a symlink, or a dotfile. The
// stream, snapshot and state endpoints stay where they are.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type TurbocamServer } from '../../src/index.js';
import { ControlledSource, solidJpeg } from '../helpers/controlled-source.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

const base = mkdtempSync(join(tmpdir(), 'turbocam-static-'));
const www = join(base, 'www');
let server: TurbocamServer;
let source: ControlledSource;
let port: number;

beforeAll(async () => {
  mkdirSync(join(www, 'js'), { recursive: true });
  mkdirSync(join(www, 'empty'));
  writeFileSync(join(www, 'index.html'), '<!doctype html><title>crowsnest</title><img src="stream">');
  writeFileSync(join(www, 'js', 'app.js'), 'console.log(1);');
  writeFileSync(join(www, 'style.css'), 'body{}');
  writeFileSync(join(www, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(join(www, 'blob'), 'x');
  writeFileSync(join(www, '.secret'), 'token');
  writeFileSync(join(base, 'outside.txt'), 'private');
  symlinkSync(join(base, 'outside.txt'), join(www, 'escape.txt'));
  symlinkSync(base, join(www, 'up'));
  symlinkSync(join(www, 'style.css'), join(www, 'alias.css'));
  source = new ControlledSource(64, 48);
  server = await serve({ source, port: 0, staticDir: www, allowOrigin: '*' });
  port = server.port!;
});

afterAll(async () => {
  await server.close();
  await source.close();
});

describe('--static DIR', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', '<!doctype html><title>crowsnest</title><img src="stream">'],
    ['/index.html', 'text/html; charset=utf-8', '<!doctype html><title>crowsnest</title><img src="stream">'],
    ['/js/app.js', 'text/javascript; charset=utf-8', 'console.log(1);'],
    ['/style.css', 'text/css; charset=utf-8', 'body{}'],
    ['/alias.css', 'text/css; charset=utf-8', 'body{}'],
    ['/blob', 'application/octet-stream', 'x'],
  ])('serves %s as %s', async (path, type, body) => {
    const answer = await fetchRaw({ port }, path);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(type);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.body.toString()).toBe(body);
  });

  it('serves binary files with their type and length, and HEAD without a body', async () => {
    const png = await fetchRaw({ port }, '/logo.png');
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.body).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const head = await fetchRaw({ port }, '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(10);
    expect(head.body.length).toBe(0);
  });

  it.each([
    ['/../outside.txt', 404],
    ['/%2e%2e/outside.txt', 404],
    ['/js/..%2f..%2foutside.txt', 404],
    ['/js/%2e%2e%2f%2e%2e%2foutside.txt', 404],
    ['/escape.txt', 404],
    ['/up/outside.txt', 404],
    ['/.secret', 404],
    ['/empty', 404],
    ['/nosuch.html', 404],
    ['/index.html%00.png', 400],
    ['/js%5c..%5c..%5coutside.txt', 400],
    ['/%zz', 400],
  ])('refuses %s with %i', async (path, status) => {
    const answer = await fetchRaw({ port }, path);
    expect(answer.status).toBe(status);
    expect(answer.body.toString()).not.toContain('private');
    expect(answer.body.toString()).not.toContain('token');
  });

  it('refuses writes', async () => {
    expect((await fetchRaw({ port }, '/index.html', { method: 'PUT' })).status).toBe(405);
  });

  it('keeps the stream, the snapshot and the state endpoints', async () => {
    const pump = setInterval(() => source.push(solidJpeg(64, 48, 90)), 30);
    try {
      for (const path of ['/?action=stream', '/stream']) {
        const client = new StrictMjpegClient({ port, path });
        await client.waitForParts(2);
        client.close();
      }
      const snapshot = await fetchRaw({ port }, '/?action=snapshot');
      expect(snapshot.headers['content-type']).toBe('image/jpeg');
      expect((await fetchRaw({ port }, '/state')).headers['content-type']).toMatch(/^application\/json/);
    } finally {
      clearInterval(pump);
    }
  });

  it('refuses a directory that does not exist', async () => {
    await expect(serve({ source, port: 0, staticDir: join(base, 'nope') })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});
