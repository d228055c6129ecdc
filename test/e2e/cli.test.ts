// The turbocam command as users run it: flags, errors, security options, sockets and signals.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, startCli } from '../helpers/cli.js';
import { fetchRaw } from '../helpers/http.js';
import { subsamplingOf } from '../helpers/jpeg-markers.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { waitUntil } from '../helpers/wait.js';

const SMALL = ['--source', 'testsrc', '--resolution', '320x240', '--fps', '15', '--workers', '1'];
const dir = mkdtempSync(join(tmpdir(), 'turbocam-cli-'));

beforeAll(() => ensureBuilt());

function curl(args: string[]): Promise<{ code: number; stdout: Buffer }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', ...args], { encoding: 'buffer' }, (error, stdout) => {
      resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout });
    });
  });
}

describe('turbocam CLI', () => {
  it('--help prints usage and --version the package version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: turbocam/);
    for (const flag of ['--source', '--resolution', '--drop-same-frames', '--max-clients', '--auth-file', '--unix', '--list-controls']) {
      expect(help.stdout).toContain(flag);
    }
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['--bogus'], '--bogus'],
    [['--fps', 'fast'], '--fps'],
    [['--resolution', '640'], '--resolution'],
    [['--quality', '101'], '--quality'],
    [['--port', '70000'], '--port'],
    [['--format', 'png'], '--format'],
    [['--control', 'brightness'], '--control'],
    [['--log-level', 'loud'], '--log-level'],
    [['--auth', 'nocolon'], '--auth'],
    [['--drop-same-frames', '-1'], '--drop-same-frames'],
    [['--encoder', 'gpu'], '--encoder'],
    [['--encoder-device', ''], '--encoder-device'],
    [['--subsampling', '4:2:2'], '--subsampling'],
    [['stray'], 'stray'],
  ])('a bad flag %j prints one line naming it and exits 2', async (args, named) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(named);
    expect(lines[0]).toContain('--help');
    expect(result.stdout).toBe('');
  });

  it('a device error prints one line with code and device, and exits 1', async () => {
    const result = await runCli(['--source', '/dev/video97', '--port', '0']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^turbocam: ENOENT: cannot open \/dev\/video97: /);
  });

  it('--encoder m2m-image without an M2M node exits 1 with one line naming the missing node', async () => {
    const named = await runCli(['--source', 'testsrc', '--encoder', 'm2m-image', '--encoder-device', '/dev/video96', '--port', '0']);
    expect(named.code).toBe(1);
    expect(named.stderr.trimEnd().split('\n')).toEqual([
      'turbocam: ERR_NO_M2M_ENCODER: no V4L2 M2M encoder from YUYV to JPEG at /dev/video96: cannot open encoder /dev/video96: No such file or directory',
    ]);
    const video = await runCli(['--source', 'testsrc', '--encoder', 'm2m-video', '--encoder-device', '/dev/video95', '--port', '0']);
    expect(video.code).toBe(1);
    expect(video.stderr.trimEnd().split('\n')).toEqual([
      'turbocam: ERR_NO_M2M_ENCODER: no V4L2 M2M encoder from YUYV to MJPG at /dev/video95: cannot open encoder /dev/video95: No such file or directory',
    ]);
    // This machine has no V4L2 nodes at all, so none can be found either.
    if (!readdirSync('/dev').some((name) => name.startsWith('video'))) {
      const searched = await runCli(['--source', 'testsrc', '--encoder', 'm2m-image', '--port', '0']);
      expect(searched.code).toBe(1);
      expect(searched.stderr.trimEnd().split('\n')).toEqual([
        'turbocam: ERR_NO_M2M_ENCODER: no V4L2 M2M encoder from YUYV to JPEG among /dev/video* (give one with --encoder-device)',
      ]);
    }
  });

  it.skipIf(readdirSync('/dev').some((name) => name.startsWith('video')))(
    '--encoder auto without an M2M node encodes on the CPU and says so at start and in /state',
    async () => {
      const cli = await startCli(['--source', 'testsrc', '--encoder', 'auto', '--port', '0']);
      try {
        expect(cli.stdout).toContain('(yuyv encoded to JPEG on the CPU: no V4L2 M2M encoder from YUYV to JPEG)');
        const state = JSON.parse((await fetchRaw({ port: cli.port }, '/state')).body.toString()) as {
          result: { source: { encoder: Record<string, unknown> } };
        };
        expect(state.result.source.encoder).toMatchObject({ kind: 'cpu', chosen: 'cpu', device: null, fallback: null });
        const snapshot = await fetchRaw({ port: cli.port }, '/snapshot');
        expect(jpeg.decode(snapshot.body).width).toBe(640);
      } finally {
        await cli.stop();
      }
    },
  );

  it('without a source streams /dev/video0, or the test pattern and says so', async () => {
    const cli = await startCli(['--port', '0']);
    try {
      const snapshot = await fetchRaw({ port: cli.port }, '/snapshot');
      expect(snapshot.status).toBe(200);
      expect(jpeg.decode(snapshot.body).width).toBeGreaterThan(0);
      if (!existsSync('/dev/video0')) expect(cli.stderr).toMatch(/no \/dev\/video0: streaming the test pattern/);
      // Loopback only unless --host says otherwise.
      expect(cli.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      for (const path of ['', 'stream', 'snapshot', 'state', 'metrics']) expect(cli.stdout).toContain(`${cli.base}${path}`);
    } finally {
      await cli.stop();
    }
  });

  it('SIGINT ends the streams and exits 0 within a second; the port is free again', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const cli = await startCli([...SMALL, '--port', '0']);
      const client = new StrictMjpegClient({ port: cli.port });
      await client.waitForParts(3);
      const exit = await cli.stop(signal);
      expect(exit.code).toBe(0);
      // Clean within its own one-second budget: the forced exit at 900 ms did not fire.
      expect(cli.stderr).toContain(`${signal}: shutting down`);
      expect(cli.stderr).not.toContain('shutdown took too long');
      await waitUntil('the stream to end', () => client.ended);
      expect(client.error).toBeUndefined();
      // Everything was released: the same port serves again at once.
      const again = await startCli([...SMALL, '--port', String(cli.port)]);
      expect(again.port).toBe(cli.port);
      await again.stop();
    }
  });

  it('logs one line per client connect and disconnect with its address', async () => {
    const cli = await startCli([...SMALL, '--port', '0']);
    const client = new StrictMjpegClient({ port: cli.port });
    await client.waitForParts(2);
    const port = client.socket.localPort;
    client.close();
    await waitUntil('the disconnect line', () => cli.stderr.includes(`127.0.0.1:${port} disconnected`));
    await cli.stop();
    expect(cli.stderr.split('\n').filter((l) => l.includes(`127.0.0.1:${port} connected`))).toHaveLength(1);
    expect(cli.stderr.split('\n').filter((l) => l.includes(`127.0.0.1:${port} disconnected`))).toHaveLength(1);
  });

  it('basic auth: 401 without or with wrong credentials, 200 with them, 429 after repeated failures', async () => {
    const authFile = join(dir, 'users');
    writeFileSync(authFile, '# viewers\nalice:wonder:land\n');
    const cli = await startCli([...SMALL, '--port', '0', '--auth', 'bob:secret', '--auth-file', authFile]);
    try {
      const none = await fetchRaw({ port: cli.port }, '/snapshot');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Basic realm="turbocam"/);
      const basic = (user: string, pass: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
      expect((await fetchRaw({ port: cli.port }, '/snapshot', { headers: basic('bob', 'secret') })).status).toBe(200);
      expect((await fetchRaw({ port: cli.port }, '/state', { headers: basic('alice', 'wonder:land') })).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1)
        statuses.push((await fetchRaw({ port: cli.port }, '/state', { headers: basic('bob', `guess${i}`) })).status);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      // Even the right password is refused while the address is locked out.
      const locked = await fetchRaw({ port: cli.port }, '/state', { headers: basic('bob', 'secret') });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await cli.stop();
    }
  });

  it('CORS headers only with --allow-origin', async () => {
    const plain = await startCli([...SMALL, '--port', '0']);
    try {
      const answer = await fetchRaw({ port: plain.port }, '/state', { headers: { Origin: 'http://example.test' } });
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      const options = await fetchRaw({ port: plain.port }, '/state', { method: 'OPTIONS' });
      expect(options.status).toBe(405);
    } finally {
      await plain.stop();
    }
    const cors = await startCli([...SMALL, '--port', '0', '--allow-origin', 'http://example.test']);
    try {
      const allowed = await fetchRaw({ port: cors.port }, '/state', { headers: { Origin: 'http://example.test' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('http://example.test');
      const other = await fetchRaw({ port: cors.port }, '/state', { headers: { Origin: 'http://evil.test' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await fetchRaw({ port: cors.port }, '/snapshot', { method: 'OPTIONS', headers: { Origin: 'http://example.test' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-methods']).toContain('GET');
    } finally {
      await cors.stop();
    }
  });

  it('--unix serves on a Unix socket only, and removes it on exit', async () => {
    const path = join(dir, 'turbocam.sock');
    const cli = await startCli([...SMALL, '--unix', path]);
    try {
      expect(cli.base).toBe(`unix:${path}:/`);
      const snap = await curl(['--unix-socket', path, 'http://localhost/snapshot']);
      expect(snap.code).toBe(0);
      expect(jpeg.decode(snap.stdout).width).toBe(320);
      const client = new StrictMjpegClient({ unix: path });
      await client.waitForParts(3);
      client.close();
      expect(cli.stdout).not.toMatch(/http:\/\//);
    } finally {
      await cli.stop();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('--subsampling: 4:2:0 by default, 4:2:2 when asked, reported in /state and in the JPEG header', async () => {
    for (const [args, reported, factors] of [
      [[], '420', '2x2'],
      [['--subsampling', '422'], '422', '2x1'],
    ] as const) {
      const cli = await startCli([...SMALL, '--port', '0', ...args]);
      try {
        const state = JSON.parse((await fetchRaw({ port: cli.port }, '/state')).body.toString()).result;
        expect(state.source).toMatchObject({ format: 'yuyv', subsampling: reported });
        expect(subsamplingOf((await fetchRaw({ port: cli.port }, '/snapshot')).body)).toBe(factors);
      } finally {
        await cli.stop();
      }
    }
  });

  it('--max-clients answers 503 beyond the limit', async () => {
    const cli = await startCli([...SMALL, '--port', '0', '--max-clients', '2']);
    try {
      const a = new StrictMjpegClient({ port: cli.port });
      const b = new StrictMjpegClient({ port: cli.port });
      await a.waitForParts(1);
      await b.waitForParts(1);
      const refused = await fetchRaw({ port: cli.port }, '/stream');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(JSON.parse(refused.body.toString())).toMatchObject({ ok: false, error: { status: 503 } });
      // Snapshots are not stream clients.
      expect((await fetchRaw({ port: cli.port }, '/snapshot')).status).toBe(200);
      a.close();
      await waitUntil(
        'the first client gone',
        async () => JSON.parse((await fetchRaw({ port: cli.port }, '/state')).body.toString()).result.stream.clients === 1,
      );
      const c = new StrictMjpegClient({ port: cli.port });
      await c.waitForParts(1);
      b.close();
      c.close();
    } finally {
      await cli.stop();
    }
  });

  it('takes its listening socket from systemd (LISTEN_FDS, fd 3)', async () => {
    const listener: Server = createNetServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../helpers/cli.js');
    // `exec` keeps the shell's pid, so LISTEN_PID=$$ names the turbocam process as systemd would.
    const child = spawn('sh', ['-c', `LISTEN_PID=$$ LISTEN_FDS=1 exec "${process.execPath}" "${CLI}" ${SMALL.join(' ')}`], {
      stdio: ['ignore', 'pipe', 'pipe', fd],
    });
    listener.close();
    try {
      let stdout = '';
      await new Promise<void>((resolve) =>
        child.stdout?.on('data', (c: Buffer) => ((stdout += c.toString()), stdout.includes('/metrics') && resolve())),
      );
      expect(stdout).toContain(`http://127.0.0.1:${port}/stream`);
      const snap = await fetchRaw({ port }, '/snapshot');
      expect(snap.status).toBe(200);
      expect(jpeg.decode(snap.body).width).toBe(320);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });
});
