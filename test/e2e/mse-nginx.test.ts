// /ws behind Debian's nginx, the proxy MSE is for: with the README's WebSocket block a browser's
// handshake (its Origin the proxy's) passes and fragments flow; crowsnest's plain block does not
// pass the Upgrade, and the client is told so in a 400 instead of hanging.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import { ControlledSource } from '../helpers/controlled-source.js';
import { FfmpegH264Producer } from '../helpers/h264-fixture.js';
import { fragmentInfo, kinds, openMse } from '../helpers/mse-client.js';
import { waitUntil } from '../helpers/wait.js';

let server: TurbocamServer;
let nginx: ChildProcess;
let nginxLog = '';
let nginxPort = 0;
const prefix = mkdtempSync(join(tmpdir(), 'turbocam-nginx-ws-'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  server = createServer({ source: new ControlledSource(64, 48), h264: new FfmpegH264Producer({ width: 320, height: 240 }) });
  await server.listen({ port: 0 });
  nginxPort = await freePort();
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
      proxy_pass http://127.0.0.1:${server.port}/;
    }
    # the README's block for MSE
    location /webcam2/ws {
      proxy_pass http://127.0.0.1:${server.port}/ws;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $http_host;
    }
  }
}
`,
  );
  nginx = spawn('/usr/sbin/nginx', ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stderr!.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()));
  await waitUntil(
    `nginx listening (${nginxLog})`,
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(nginxPort, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      }),
    15_000,
    100,
  );
});

afterAll(async () => {
  if (nginx !== undefined && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx.once('exit', resolve));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await server?.close();
  rmSync(prefix, { recursive: true, force: true });
});

describe('/ws behind nginx', () => {
  it("with the README's block, a browser's handshake passes and fragments flow from a keyframe", async () => {
    const origin = `http://127.0.0.1:${nginxPort}`;
    const mse = await openMse(`ws://127.0.0.1:${nginxPort}/webcam2/ws`, { origin });
    await waitUntil('fragments through nginx', () => mse.messages.length >= 12);
    expect(kinds(mse.messages).slice(0, 3)).toEqual(['json:init', 'init', 'fragment']);
    expect(fragmentInfo(mse.messages[2]!.data!).sync).toBe(true);
    expect(server.h264.stats().viewers.mse).toBe(1);
    mse.ws.close(1000);
    expect((await mse.closed).code).toBe(1000);
    await waitUntil('the viewer is gone', () => server.h264.stats().viewers.mse === 0);
    // A page of another site is still refused through the proxy.
    const foreign = await openMse(`ws://127.0.0.1:${nginxPort}/webcam2/ws`, { origin: 'http://evil.example' }).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ status: 403 });
  });

  it("crowsnest's plain block drops the Upgrade: the client gets a 400 that says what /ws is", async () => {
    const refused = await openMse(`ws://127.0.0.1:${nginxPort}/webcam/ws`).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400 });
    expect(JSON.parse((refused as { body: string }).body)).toEqual({
      ok: false,
      error: { status: 400, message: expect.stringMatching(/is a WebSocket \(MSE\) stream/) },
    });
  });
});
