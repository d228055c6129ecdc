// turbocam behind Debian's nginx as crowsnest and kiauh configure it: an unprivileged nginx in a
// temporary prefix with crowsnest's `location /webcam/` block. Streams and snapshots pass through
// with their CORS headers, at the rate a direct client gets, and a paused viewer behind nginx
// slows nobody else (its backpressure reaches turbocam, which skips frames for it alone).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundaryOf, MultipartParser } from '../../src/sources/multipart-parser.js';
import { ensureBuilt, startCli, type RunningCli } from '../helpers/cli.js';

let cli: RunningCli;
let nginx: ChildProcess;
let nginxLog = '';
let nginxPort = 0;
const prefix = mkdtempSync(join(tmpdir(), 'turbocam-nginx-'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline || nginx.exitCode !== null) throw new Error(`nginx did not listen on ${port}: ${nginxLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An ordinary HTTP client (nginx answers HTTP/1.1 chunked) that splits the multipart body. */
class StreamClient {
  readonly sequences: number[] = [];
  response: IncomingMessage | undefined;
  readonly ready: Promise<IncomingMessage>;
  private bad: Error | undefined;

  constructor(port: number, path: string) {
    this.ready = new Promise((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, path }, (res) => {
        this.response = res;
        const parser = new MultipartParser(boundaryOf(res.headers['content-type']));
        res.on('data', (chunk: Buffer) => {
          try {
            for (const part of parser.push(chunk)) {
              const body = part.body;
              if (body[0] !== 0xff || body[1] !== 0xd8 || body.at(-2) !== 0xff || body.at(-1) !== 0xd9)
                throw new Error('a part is not a whole JPEG');
              if (Number(part.headers.get('content-length')) !== body.length) throw new Error('Content-Length does not match the part');
              this.sequences.push(Number(part.headers.get('x-sequence')));
            }
          } catch (error) {
            this.bad = error as Error;
            res.destroy();
          }
        });
        resolve(res);
      });
      req.on('error', reject);
    });
  }

  get count(): number {
    if (this.bad !== undefined) throw this.bad;
    return this.sequences.length;
  }

  close(): void {
    this.response?.destroy();
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Frames each client receives over the same window of `frames` frames at the direct client. */
async function sideBySide(clients: StreamClient[], direct: StreamClient, frames: number): Promise<number[]> {
  const start = clients.map((c) => c.count);
  const directStart = direct.count;
  await until(`${frames} frames at the direct client`, () => direct.count >= directStart + frames);
  return clients.map((c, i) => c.count - start[i]!);
}

beforeAll(async () => {
  ensureBuilt();
  // 720p so the paused viewer's buffers fill in seconds; its stall cut is far beyond the test.
  cli = await startCli([
    '--source',
    'testsrc',
    '--resolution',
    '1280x720',
    '--fps',
    '15',
    '--workers',
    '1',
    '--port',
    '0',
    '--allow-origin',
    '*',
    '--client-timeout',
    '120',
  ]);
  nginxPort = await freePort();
  // nginx's workers drop to `nobody` when started as root: they must reach the temp paths.
  chmodSync(prefix, 0o755);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${nginxPort};
    # crowsnest's block, as kiauh installs it
    location /webcam/ {
      postpone_output 0;
      proxy_buffering off;
      proxy_ignore_headers X-Accel-Buffering;
      proxy_pass http://127.0.0.1:${cli.port}/;
    }
  }
}
`,
  );
  nginx = spawn('/usr/sbin/nginx', ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stderr!.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()));
  await waitForPort(nginxPort, 15_000);
});

afterAll(async () => {
  if (nginx !== undefined && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx.once('exit', resolve));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await cli?.stop();
  rmSync(prefix, { recursive: true, force: true });
});

describe('behind nginx (crowsnest location block)', () => {
  it('/webcam/?action=snapshot is a whole JPEG with its CORS header', async () => {
    const answer = await fetch(`http://127.0.0.1:${nginxPort}/webcam/?action=snapshot`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/jpeg');
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    const image = jpeg.decode(Buffer.from(await answer.arrayBuffer()));
    expect([image.width, image.height]).toEqual([1280, 720]);
  });

  it('/webcam/?action=stream arrives at the rate a direct client gets, with its CORS header', async () => {
    const direct = new StreamClient(cli.port, '/?action=stream');
    const proxied = new StreamClient(nginxPort, '/webcam/?action=stream');
    const res = await proxied.ready;
    await direct.ready;
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['content-type']).toMatch(/^multipart\/x-mixed-replace; boundary=/);
    await until('first frames', () => proxied.count > 2 && direct.count > 2);
    const [got] = await sideBySide([proxied], direct, 30);
    expect(got).toBeGreaterThanOrEqual(27);
    // Nothing reordered or repeated on the way.
    const seq = proxied.sequences;
    for (let i = 1; i < seq.length; i += 1) expect(seq[i]).toBeGreaterThan(seq[i - 1]!);
    direct.close();
    proxied.close();
  });

  it('a paused viewer behind nginx does not slow another', async () => {
    // The paused viewer: asks for the stream and never reads.
    const paused: Socket = connect(nginxPort, '127.0.0.1');
    paused.write('GET /webcam/?action=stream&key=paused HTTP/1.1\r\nHost: localhost\r\n\r\n');
    paused.pause();
    const direct = new StreamClient(cli.port, '/?action=stream');
    const live = new StreamClient(nginxPort, '/webcam/?action=stream&key=live');
    await Promise.all([direct.ready, live.ready]);
    // Its backpressure crosses nginx: turbocam starts skipping frames for it, and only for it.
    const clientStats = async (): Promise<Array<{ key: string | null; dropped: number }>> => {
      const state = (await (await fetch(`http://127.0.0.1:${cli.port}/state`)).json()) as {
        result: { stream: { clients_stat: Record<string, { key: string | null; dropped: number }> } };
      };
      return Object.values(state.result.stream.clients_stat);
    };
    const deadline = Date.now() + 60_000;
    for (;;) {
      const pausedStats = (await clientStats()).find((c) => c.key === 'paused');
      if (pausedStats !== undefined && pausedStats.dropped > 5) break;
      if (Date.now() > deadline) throw new Error(`the paused viewer never pushed back: ${JSON.stringify(await clientStats())}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const [got] = await sideBySide([live], direct, 30);
    expect(got).toBeGreaterThanOrEqual(27);
    paused.destroy();
    direct.close();
    live.close();
  });
});
