// turbocam-ustreamer as a real process: crowsnest's line (on the test pattern here; on vivid in
// test/v4l2/ustreamer.test.ts) streams with CORS and its static page, stops on SIGTERM; refused
// options exit 2 naming the option; auth, socket mode and parent death behave as µStreamer's.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, startCli, USTREAMER_CLI } from '../helpers/cli.js';
import { fetchRaw } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-ustreamer-'));
const www = join(dir, 'www');

beforeAll(() => {
  ensureBuilt();
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), '<!doctype html><title>crowsnest www</title>');
});

const run = (args: string[]) => runCli(args, 15_000, USTREAMER_CLI);

describe('turbocam-ustreamer', () => {
  it("runs crowsnest's line: streams with CORS, serves the static index at /, stops cleanly on SIGTERM", async () => {
    const cli = await startCli(
      [
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--resolution',
        '640x480',
        '--desired-fps',
        '15',
        '--allow-origin',
        '*',
        '--static',
        www,
        '--device',
        'testsrc',
        '--device-timeout',
        '2',
        '--buffers',
        '3',
      ],
      process.env,
      USTREAMER_CLI,
    );
    const index = await fetchRaw({ port: cli.port }, '/');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body.toString()).toBe('<!doctype html><title>crowsnest www</title>');
    const client = new StrictMjpegClient({ port: cli.port, path: '/?action=stream' });
    await client.waitForParts(3);
    expect(client.responseHeaders.get('access-control-allow-origin')).toBe('*');
    const state = JSON.parse((await fetchRaw({ port: cli.port }, '/state')).body.toString());
    expect(state.result.source).toMatchObject({ resolution: { width: 640, height: 480 }, desired_fps: 15 });
    client.close();
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it.each([
    [['--encoder', 'H264'], '--encoder H264'],
    [['--h264-sink', 'kvmd::ustreamer::h264'], '--h264-sink'],
    [['--format', 'YVYU'], '--format YVYU'],
    [['--fake-resolution', '800x600'], '--fake-resolution'],
  ])('%j exits 2 with one line naming it', async (args, named) => {
    const result = await run(['--device', 'testsrc', ...args]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(named);
    expect(lines[0]).toMatch(/^turbocam-ustreamer: /);
  });

  it("µStreamer's --encoder M2M-IMAGE with --m2m-device runs turbocam's m2m-image: no node there exits 1 naming it", async () => {
    const result = await run([
      '--device',
      'testsrc',
      '--encoder',
      'M2M-IMAGE',
      '--m2m-device',
      '/dev/video94',
      '--exit-on-device-error',
      '--port',
      '0',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/ERR_NO_M2M_ENCODER: no V4L2 M2M encoder from YUYV to JPEG at \/dev\/video94/),
    ]);
  });

  it('a bad value for a mapped option exits 2 naming the turbocam flag it became', async () => {
    const result = await run(['--device', 'testsrc', '--quality', '500']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--quality');
  });

  it('--help lists the options and what they map to', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: turbocam-ustreamer/);
    expect(result.stdout).toContain('--desired-fps');
    expect(result.stdout).toContain('Refused');
  });

  it('--user and --passwd require basic auth', async () => {
    const cli = await startCli(
      ['--device', 'testsrc', '--resolution', '320x240', '--port', '0', '--user', 'me', '--passwd', 'pw'],
      process.env,
      USTREAMER_CLI,
    );
    expect((await fetchRaw({ port: cli.port }, '/state')).status).toBe(401);
    const ok = await fetchRaw({ port: cli.port }, '/state', {
      headers: { Authorization: `Basic ${Buffer.from('me:pw').toString('base64')}` },
    });
    expect(ok.status).toBe(200);
    await cli.stop('SIGTERM');
  });

  it('--unix with --unix-mode and --unix-rm: the socket has that mode, a stale socket is replaced', async () => {
    const socket = join(dir, 'cam.sock');
    // A stale socket: its server was killed and never unlinked it.
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(statSync(socket).isSocket()).toBe(true);
    const cli = await startCli(
      ['--device', 'testsrc', '--resolution', '320x240', '--unix', socket, '--unix-rm', '--unix-mode', '660'],
      process.env,
      USTREAMER_CLI,
    );
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o660);
    expect((await fetchRaw({ socketPath: socket }, '/state')).status).toBe(200);
    await cli.stop('SIGTERM');
  });

  it('--exit-on-parent-death stops when its parent goes away', async () => {
    // A shell starts it in the background, prints its pid and exits once the server listens.
    const socket = join(dir, 'parent.sock');
    const shell = spawn(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${USTREAMER_CLI}" --device testsrc --resolution 320x240 --unix "${socket}" --exit-on-parent-death >/dev/null 2>&1 & echo $!; read line`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let out = '';
    shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await waitUntil('the server to listen on its socket', () => existsSync(socket));
    shell.stdin.end('go\n');
    await new Promise((resolve) => shell.once('exit', resolve));
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    const gone = (): boolean => !existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const deadline = Date.now() + 10_000;
    while (!gone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(gone()).toBe(true);
  });
});
