// Hostile and broken HTTP clients against the real server: each gets a 4xx and a log line, the
// server neither crashes nor hangs, and well-behaved viewers keep streaming meanwhile.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import type { FrameSource } from '../../src/sources/source.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { openTestSource } from '../helpers/source.js';

let source: FrameSource;
let server: TurbocamServer;
let port: number;
const logLines: string[] = [];
const HEADERS_TIMEOUT_MS = 1000;

beforeAll(async () => {
  source = await openTestSource(320, 240, 30);
  server = createServer({ source, serverTimeoutMs: HEADERS_TIMEOUT_MS, log: (level, message) => logLines.push(`${level} ${message}`) });
  await server.listen({ port: 0 });
  port = server.port ?? 0;
});

afterAll(async () => {
  await server.close();
  await source.close();
});

interface RawAnswer {
  text: string;
  closed: boolean;
  ms: number;
}

/** Writes raw bytes (all at once, or not at all) and collects the answer until the server closes
 *  the connection or `waitMs` passes. */
function raw(bytes: string | Buffer, waitMs = 3000, target = port): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(target, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false, ms: Date.now() - started });
    }, waitMs);
    socket.on('connect', () => {
      if (bytes.length > 0) socket.write(bytes);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer still counts as the server closing.
      if (error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true, ms: Date.now() - started });
    });
  });
}

function statusOf(answer: RawAnswer): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer.text)?.[1] ?? 0);
}

function loggedSince(mark: number, pattern: RegExp): boolean {
  return logLines.slice(mark).some((line) => pattern.test(line));
}

async function stillServing(): Promise<void> {
  const answer = await fetchRaw({ port }, '/state');
  expect(answer.status).toBe(200);
}

describe('hostile HTTP input', () => {
  it('a malformed request line gets 400 and a log line', async () => {
    for (const line of [
      'GARBAGE\r\n\r\n',
      'GET\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      '\x00\x01\x02\xff\r\n\r\n',
      'GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const mark = logLines.length;
      const answer = await raw(line);
      expect(answer.closed, JSON.stringify(line)).toBe(true);
      expect(statusOf(answer), JSON.stringify(line)).toBe(400);
      expect(loggedSince(mark, /400/)).toBe(true);
    }
    await stillServing();
  });

  it('a header block past the limit gets 431', async () => {
    const mark = logLines.length;
    const answer = await raw(`GET /state HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(statusOf(answer)).toBe(431);
    expect(answer.closed).toBe(true);
    expect(loggedSince(mark, /431/)).toBe(true);
    await stillServing();
  });

  it('methods other than GET and HEAD get 405, unknown methods 400', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE']) {
      const mark = logLines.length;
      const answer = await fetchRaw({ port }, '/stream', { method });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
      expect(loggedSince(mark, /405/)).toBe(true);
    }
    expect(statusOf(await raw('BREW /stream HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(400);
    // A request body on a refused method is not left to hang the connection.
    const post = await raw('POST /snapshot HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    expect(statusOf(post)).toBe(405);
    expect(post.closed).toBe(true);
  });

  it('path traversal attempts, plain and encoded, get 404', async () => {
    const attempts = [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/..%2f..%2fetc%2fpasswd',
      '/%252e%252e/etc/passwd',
      '/.%2e/.%2e/etc/passwd',
      '/..\\..\\etc\\passwd',
      '/%c0%ae%c0%ae/etc/passwd',
      '/stream/../../../etc/passwd',
      '/etc/passwd%00.jpg',
      '/snapshot/..%2f..%2fetc%2fpasswd',
      '//etc/passwd',
    ];
    for (const path of attempts) {
      const mark = logLines.length;
      const answer = await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(statusOf(answer), path).toBe(404);
      expect(answer.text).not.toMatch(/root:/);
      expect(loggedSince(mark, /404/)).toBe(true);
    }
    // A target that is not even a URL: 400, not a crash of the request handler.
    expect(statusOf(await raw('GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))).toBe(400);
    await stillServing();
  });

  it('bad query values get 400', async () => {
    for (const query of ['fps=abc', 'fps=-1', 'fps=1e9', 'fps=NaN', 'fps=Infinity']) {
      const mark = logLines.length;
      const answer = await fetchRaw({ port }, `/stream?${query}`);
      expect(answer.status, query).toBe(400);
      expect(loggedSince(mark, /400/)).toBe(true);
    }
    expect(server.clientCount).toBe(0);
    // A key cannot forge log lines: control characters are replaced before it is logged.
    const viewer = new StrictMjpegClient({ port, path: '/stream?key=a%0D%0Ainfo%20forged' });
    await viewer.waitForParts(1);
    viewer.close();
    expect(logLines.some((line) => line.includes('\n') || line.includes('\r'))).toBe(false);
  });

  it('slowloris and silent connections are cut by the head deadline while a stream keeps going', async () => {
    const viewer = new StrictMjpegClient({ port, path: '/stream' });
    viewer.keepBodies = false;
    await viewer.waitForParts(1);
    const mark = logLines.length;
    const partial = raw('GET /stream HTTP/1.1\r\nHost: x\r\nX-Slow: ', 8000);
    const silent = raw('', 8000);
    const [partialAnswer, silentAnswer] = await Promise.all([partial, silent]);
    expect(partialAnswer.closed).toBe(true);
    expect(statusOf(partialAnswer)).toBe(408);
    expect(silentAnswer.closed).toBe(true);
    expect(loggedSince(mark, /408|idle/)).toBe(true);
    // The stream outlived the deadline several times over and is still delivering.
    const received = viewer.parts.length;
    await viewer.waitForParts(received + 5);
    expect(viewer.ended).toBe(false);
    expect(viewer.error).toBeUndefined();
    viewer.close();
  });
});

describe('auth failures', () => {
  it('are rate-limited per address with 429 and Retry-After, and logged', async () => {
    const authSource = await openTestSource(160, 120, 10);
    const lines: string[] = [];
    const authServer = createServer({
      source: authSource,
      auth: [{ user: 'viewer', pass: 's3cret' }],
      log: (_level, message) => lines.push(message),
    });
    await authServer.listen({ port: 0 });
    const target = { port: authServer.port ?? 0 };
    const basic = (credentials: string): Record<string, string> => ({
      Authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
    });
    try {
      expect((await fetchRaw(target, '/state', { headers: basic('viewer:s3cret') })).status).toBe(200);
      // Asking without credentials is what browsers do first: not a failed guess.
      for (let i = 0; i < 8; i++) expect((await fetchRaw(target, '/state')).status).toBe(401);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await fetchRaw(target, '/state', { headers: basic(`viewer:guess${i}`) })).status);
      expect(statuses.filter((s) => s === 401).length).toBe(5);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
      // Once refused, even the right password waits out the window: guessing gains nothing.
      const refused = await fetchRaw(target, '/state', { headers: basic('viewer:s3cret') });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      for (const header of ['Basic', 'Basic !!!', 'Bearer abc', `Basic ${'A'.repeat(100_000 / 10)}`]) {
        expect([401, 429]).toContain((await fetchRaw(target, '/state', { headers: { Authorization: header } })).status);
      }
      expect(lines.some((line) => /401/.test(line))).toBe(true);
      expect(lines.some((line) => /429/.test(line))).toBe(true);
    } finally {
      await authServer.close();
      await authSource.close();
    }
  });
});
