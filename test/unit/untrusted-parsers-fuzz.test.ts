// Bounded, reproducible fuzzing of the TypeScript parsers that read untrusted bytes: the relay's
// multipart parser and boundary parsing, the relay's JPEG size reader, basic-auth header parsing,
// and (over a real socket) the server's request-target and query handling. Random inputs and
// mutations of committed seeds, from a fixed seed (FUZZ_SEED / FUZZ_ITERATIONS to explore more).
// The properties: well-formed input round-trips whatever the chunking; malformed input ends in a
// coded error or an HTTP 4xx, never a TypeError, a hang or a crash.
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicAuth } from '../../src/http/auth.js';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import { jpegSize } from '../../src/sources/jpeg-info.js';
import { boundaryOf, MultipartParser, type MultipartPart } from '../../src/sources/multipart-parser.js';
import type { FrameSource } from '../../src/sources/source.js';
import { openTestSource } from '../helpers/source.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 400);

/** mulberry32: small, fast and reproducible. */
function prng(seed: number): {
  next: () => number;
  int: (n: number) => number;
  bytes: (n: number) => Buffer;
  pick: <T>(list: readonly T[]) => T;
} {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))),
    pick: (list) => list[int(list.length)] as never,
  };
}
type Rng = ReturnType<typeof prng>;

const FIXTURES = new URL('../fixtures/multipart/', import.meta.url);
const JPEGS = new URL('../../native/tools/fuzz/corpus/mjpeg_normaliser/', import.meta.url);
const jpegSeeds = readdirSync(JPEGS).map((name) => readFileSync(new URL(name, JPEGS)));
const multipartSeeds = readdirSync(FIXTURES).map((name) => readFileSync(new URL(name, FIXTURES)));

function mutate(rng: Rng, input: Buffer): Buffer {
  let data = Buffer.from(input);
  const rounds = 1 + rng.int(6);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(data.length + 1);
    switch (rng.int(7)) {
      case 0: // flip a byte
        if (data.length > 0) data[Math.min(at, data.length - 1)] = rng.int(256);
        break;
      case 1: // delete a range
        data = Buffer.concat([data.subarray(0, at), data.subarray(at + rng.int(64))]);
        break;
      case 2: // insert random bytes
        data = Buffer.concat([data.subarray(0, at), rng.bytes(rng.int(32)), data.subarray(at)]);
        break;
      case 3: // duplicate a range
        data = Buffer.concat([data.subarray(0, at), data.subarray(at, at + rng.int(256)), data.subarray(at)]);
        break;
      case 4: // insert framing tokens
        data = Buffer.concat([
          data.subarray(0, at),
          Buffer.from(
            rng.pick([
              '\r\n',
              '\n',
              '--',
              '--frame',
              '--myboundary',
              '--boundarydonotcross\r\n',
              'Content-Length: 99999999\r\n',
              'Content-Length: -1\r\n',
              ':',
              '\xff\xd8',
              '\xff\xd9',
            ]),
          ),
          data.subarray(at),
        ]);
        break;
      case 5: // truncate
        data = data.subarray(0, at);
        break;
      default: // splice another seed in
        data = Buffer.concat([data.subarray(0, at), rng.pick(multipartSeeds).subarray(rng.int(200))]);
    }
  }
  return data;
}

function feed(parser: MultipartParser, rng: Rng, data: Buffer): { parts: MultipartPart[]; error: unknown } {
  const parts: MultipartPart[] = [];
  let pos = 0;
  try {
    while (pos < data.length) {
      const size = 1 + rng.int(rng.next() < 0.5 ? 16 : 4096);
      parts.push(...parser.push(data.subarray(pos, pos + size)));
      pos += size;
    }
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: undefined };
}

function expectCodedError(error: unknown): void {
  if (error === undefined) return;
  expect(error).toBeInstanceOf(Error);
  expect((error as { code?: string }).code).toMatch(/^ERR_UPSTREAM_(FORMAT|END)$/);
}

describe('multipart parser (relay) under fuzzing', () => {
  it('well-formed streams round-trip whatever the chunking and line endings', () => {
    const rng = prng(SEED);
    for (let i = 0; i < ITERATIONS; i++) {
      const boundary = rng.pick(['frame', 'boundarydonotcross', '--dashed', 'x']);
      const delimiter = boundary.startsWith('--') ? boundary : `--${boundary}`;
      const eol = rng.pick(['\r\n', '\n']);
      const withLength = rng.next() < 0.6;
      const bodies = Array.from({ length: 1 + rng.int(5) }, () =>
        rng.next() < 0.5
          ? rng.pick(jpegSeeds)
          : Buffer.concat([Buffer.from([0xff, 0xd8]), rng.bytes(rng.int(300)), Buffer.from([0xff, 0xd9])]),
      );
      // Without Content-Length the delimiter ends a body, so a body may not contain it.
      const usable = withLength ? bodies : bodies.filter((body) => !body.includes(delimiter));
      const stream = Buffer.concat([
        ...usable.flatMap((body) => [
          Buffer.from(`${delimiter}${eol}Content-Type: image/jpeg${eol}${withLength ? `Content-Length: ${body.length}${eol}` : ''}${eol}`),
          body,
          Buffer.from(eol),
        ]),
        Buffer.from(`${delimiter}${eol}`),
      ]);
      const { parts, error } = feed(new MultipartParser(boundary), rng, stream);
      expect(error).toBeUndefined();
      // Compared as hex: vitest's deep equality over Buffers is slow.
      expect(parts.map((part) => part.body.toString('hex'))).toEqual(usable.map((body) => body.toString('hex')));
    }
  });

  it('mutated and random streams end in parts or a coded error, within the size limit', () => {
    const rng = prng(SEED + 1);
    const maxPartBytes = 4096;
    for (let i = 0; i < ITERATIONS * 4; i++) {
      const seed = rng.pick(multipartSeeds);
      const input = rng.next() < 0.9 ? mutate(rng, seed) : rng.bytes(rng.int(2048));
      const boundary = rng.pick(['boundarydonotcross', 'myboundary', '--frame', 'frame']);
      const { parts, error } = feed(new MultipartParser(boundary, maxPartBytes), rng, input);
      expectCodedError(error);
      for (const part of parts) expect(part.body.length).toBeLessThanOrEqual(input.length);
    }
  });

  it('Content-Type boundaries parse or are refused with a coded error', () => {
    const rng = prng(SEED + 2);
    const seeds = [
      'multipart/x-mixed-replace; boundary=frame',
      'multipart/x-mixed-replace;boundary="quoted one"',
      'MULTIPART/X-MIXED-REPLACE ; BOUNDARY = --b',
    ];
    for (let i = 0; i < ITERATIONS * 4; i++) {
      const text =
        rng.next() < 0.7 ? mutate(rng, Buffer.from(rng.pick(seeds))).toString('latin1') : rng.bytes(rng.int(80)).toString('latin1');
      try {
        const boundary = boundaryOf(text);
        expect(boundary.length).toBeGreaterThan(0);
        expect(text).toContain(boundary);
      } catch (error) {
        expectCodedError(error);
      }
    }
  });

  it('the JPEG size reader returns a size or undefined for any bytes', () => {
    const rng = prng(SEED + 3);
    for (const jpeg of jpegSeeds) expect(jpegSize(jpeg)).toEqual({ width: expect.any(Number), height: expect.any(Number) });
    for (let i = 0; i < ITERATIONS * 4; i++) {
      const size = jpegSize(mutate(rng, rng.pick(jpegSeeds)));
      if (size !== undefined) expect(Number.isInteger(size.width) && Number.isInteger(size.height)).toBe(true);
    }
  });
});

describe('basic-auth header parsing under fuzzing', () => {
  function request(authorization: string | undefined, address = '127.0.0.1'): IncomingMessage {
    return {
      headers: authorization === undefined ? {} : { authorization },
      socket: { remoteAddress: address },
    } as unknown as IncomingMessage;
  }

  it('only the right credentials pass, whatever the header holds', () => {
    const rng = prng(SEED + 4);
    const auth = new BasicAuth([{ user: 'admin', pass: 'p:ss wörd' }], { maxFailures: 1_000_000 });
    const good = `Basic ${Buffer.from('admin:p:ss wörd').toString('base64')}`;
    expect(auth.check(request(good))).toEqual({ ok: true });
    expect(auth.check(request(`basic   ${Buffer.from('admin:p:ss wörd').toString('base64')}  `))).toEqual({ ok: true });
    const seeds = [
      good,
      'Basic ',
      'Bearer token',
      `Basic ${Buffer.from('admin:').toString('base64')}`,
      `Basic ${Buffer.from(':p:ss wörd').toString('base64')}`,
    ];
    for (let i = 0; i < ITERATIONS * 4; i++) {
      const header =
        rng.next() < 0.8 ? mutate(rng, Buffer.from(rng.pick(seeds))).toString('latin1') : rng.bytes(rng.int(200)).toString('latin1');
      const verdict = auth.check(request(header, `10.0.${rng.int(4)}.${rng.int(4)}`));
      // A mutation can only pass by decoding to exactly the right user:pass.
      const decoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)?.[1];
      const isGood = decoded !== undefined && Buffer.from(decoded, 'base64').toString('utf8') === 'admin:p:ss wörd';
      expect(verdict.ok).toBe(isGood);
    }
  });

  it('failures beyond the limit are refused with 429 per address, and the table stays bounded', () => {
    const auth = new BasicAuth([{ user: 'a', pass: 'b' }], { maxFailures: 3, windowMs: 60_000 });
    const wrong = `Basic ${Buffer.from('a:c').toString('base64')}`;
    const verdicts = Array.from({ length: 5 }, () => auth.check(request(wrong, '192.0.2.1')));
    expect(verdicts.map((v) => (v.ok ? 200 : v.status))).toEqual([401, 401, 401, 429, 429]);
    expect(auth.check(request(wrong, '192.0.2.2'))).toEqual({ ok: false, status: 401 });
    for (let i = 0; i < 25_000; i++) auth.check(request(wrong, `198.51.${i >> 8}.${i & 255}`));
    expect((auth as unknown as { failures: Map<string, unknown> }).failures.size).toBeLessThanOrEqual(10_000);
  });
});

describe('request targets and queries under fuzzing (real server)', () => {
  let source: FrameSource;
  let server: TurbocamServer;

  beforeAll(async () => {
    source = await openTestSource(160, 120, 15);
    server = createServer({ source, serverTimeoutMs: 2000 });
    await server.listen({ port: 0 });
  });

  afterAll(async () => {
    await server.close();
    await source.close();
  });

  function status(target: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = connect(server.port ?? 0, '127.0.0.1');
      let head = '';
      socket.on('connect', () => socket.write(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1')));
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const match = /^HTTP\/1\.1 (\d{3})/.exec(head);
        if (match !== null) {
          socket.destroy();
          resolve(Number(match[1]));
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
    });
  }

  it('every target gets a definite answer: 200, 400, 404 or 503, never a crash or a hang', async () => {
    const rng = prng(SEED + 5);
    const seeds = [
      '/stream?fps=5&key=a',
      '/snapshot',
      '/?action=stream',
      '/?action=snapshot',
      '/state',
      '/metrics',
      '/stream?extra_headers=1&advance_headers=1&dual_final_frames=1',
    ];
    const tokens = [
      '%',
      '%2',
      '%zz',
      '%00',
      '%ff',
      '?',
      '&',
      '=',
      '#',
      '//',
      '/..',
      '\\',
      '%c0%af',
      'é',
      '\t',
      'fps=',
      'key=',
      'action=',
      '[',
      '@',
      ':',
    ];
    const seen = new Map<number, number>();
    const iterations = Math.max(50, ITERATIONS / 2);
    for (let i = 0; i < iterations; i++) {
      let target = rng.pick(seeds);
      for (let r = rng.int(4); r >= 0; r--) {
        const at = rng.int(target.length + 1);
        target = target.slice(0, at) + (rng.next() < 0.7 ? rng.pick(tokens) : String.fromCharCode(33 + rng.int(94))) + target.slice(at);
      }
      const code = await status(target.replace(/[\s]/g, ''));
      seen.set(code, (seen.get(code) ?? 0) + 1);
      expect([200, 400, 404, 503], target).toContain(code);
    }
    expect(seen.get(200) ?? 0).toBeGreaterThan(0);
    expect((seen.get(400) ?? 0) + (seen.get(404) ?? 0)).toBeGreaterThan(0);
    expect(await status('/state')).toBe(200);
    expect(server.clientCount).toBe(0);
  });
});

describe('multipart parser cost', () => {
  it('a large part arriving in small reads is copied a bounded number of times, not once per read', () => {
    const size = 4 * 1024 * 1024;
    const body = Buffer.alloc(size, 7);
    const stream = Buffer.concat([Buffer.from(`--b\r\nContent-Length: ${size}\r\n\r\n`), body, Buffer.from('\r\n--b\r\n')]);
    const concat = Buffer.concat;
    let copied = 0;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      const out = concat(list, total);
      copied += out.length;
      return out;
    }) as typeof Buffer.concat;
    try {
      const parser = new MultipartParser('b');
      const parts: MultipartPart[] = [];
      for (let at = 0; at < stream.length; at += 16 * 1024) parts.push(...parser.push(stream.subarray(at, at + 16 * 1024)));
      expect(parts.map((part) => part.body.length)).toEqual([size]);
      expect(parts[0]?.body.equals(body)).toBe(true);
    } finally {
      Buffer.concat = concat;
    }
    // Once when the body completes (plus small framing); per-read copying would be ~256 x size.
    expect(copied).toBeLessThan(2 * size);
  });
});
