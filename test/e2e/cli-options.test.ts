// README claims of the CLI that no other file exercises: `-d` (with `stdin`), `--instance`,
// `--log-level`, `--list-devices`, `--list-controls`, `--allow-origin *` and lists, exit 1 on a
// listen error, and the second Ctrl-C.
import { spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, runCli, startCli, type RunningCli } from '../helpers/cli.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { waitUntil } from '../helpers/wait.js';

const SMALL = ['-d', 'testsrc', '-r', '320x240', '-f', '15', '--workers', '1'];

beforeAll(() => ensureBuilt());

async function withCli<T>(args: string[], body: (cli: RunningCli) => Promise<T>): Promise<T> {
  const cli = await startCli(args);
  try {
    return await body(cli);
  } finally {
    await cli.stop();
  }
}

describe('CLI options', () => {
  it('-d stdin streams the MJPEG piped in (ffmpeg -f mjpeg -), split on SOI/EOI', async () => {
    const ffmpeg = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'pal75bars=size=320x240:rate=10',
        '-t',
        '60',
        '-q:v',
        '3',
        '-f',
        'mjpeg',
        '-',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const cli = spawn(process.execPath, [CLI, '-d', 'stdin', '-p', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    ffmpeg.stdout.pipe(cli.stdin);
    try {
      let stdout = '';
      cli.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const port = Number((await waitUntil('the CLI to print its URL', () => /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)))[1]);
      expect(stdout).toMatch(/streaming stdin .*MJPEG passed through/);
      const snap = await fetchRaw({ port }, '/snapshot');
      expect(snap.status).toBe(200);
      expect(colourBarMismatches(decodeJpeg(snap.body), 0.1, 0.9)).toEqual([]);
      const state = JSON.parse((await fetchRaw({ port }, '/state')).body.toString());
      expect(state.result.source).toMatchObject({ name: 'stdin', format: 'mjpeg', resolution: { width: 320, height: 240 } });
    } finally {
      ffmpeg.kill('SIGKILL');
      const exited = new Promise((resolve) => cli.once('exit', resolve));
      cli.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });

  it('--instance names the process in /state, /metrics and every log line', async () => {
    await withCli([...SMALL, '-p', '0', '--instance', 'porch-cam'], async (cli) => {
      const state = JSON.parse((await fetchRaw({ port: cli.port }, '/state')).body.toString());
      expect(state.result.instance).toBe('porch-cam');
      const metrics = (await fetchRaw({ port: cli.port }, '/metrics')).body.toString();
      expect(metrics).toMatch(/^turbocam_frames_captured_total\{instance_name="porch-cam"\} \d+$/m);
      const client = new StrictMjpegClient({ port: cli.port });
      await client.waitForParts(1);
      client.close();
      await waitUntil('a disconnect line', () => cli.stderr.includes('disconnected'));
      const lines = cli.stderr.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) expect(line).toMatch(/^\S+ (error|warn |info |debug) \[porch-cam\] /);
    });
  });

  it('--log-level error silences info; debug adds the periodic stats line; a bad level exits 2', async () => {
    await withCli([...SMALL, '-p', '0', '--log-level', 'error'], async (cli) => {
      const client = new StrictMjpegClient({ port: cli.port });
      await client.waitForParts(1);
      client.close();
      // A request that is logged at warn (503) and one at info (the client) leave nothing at error level.
      await fetchRaw({ port: cli.port }, '/nope');
      expect(cli.stderr).toBe('');
    });
    await withCli([...SMALL, '-p', '0', '--log-level', 'debug'], async (cli) => {
      await waitUntil('a debug stats line', () => / debug +stats: .*captured \d+/.test(cli.stderr));
    });
    const bad = await runCli([...SMALL, '--log-level', 'loud']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--list-devices lists capture devices (here: none) and exits 0', async () => {
    const result = await runCli(['--list-devices']);
    expect(result.code).toBe(0);
    // The host has no V4L2 device; the VM run lists vivid (test/v4l2/controls.test.ts).
    expect(result.stdout.trim()).toBe('no V4L2 capture devices');
  });

  it('--list-controls on a source without controls is one line with its code, exit 1', async () => {
    // The VM run lists vivid's controls (test/v4l2/controls.test.ts).
    const result = await runCli([...SMALL, '--list-controls']);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual(['turbocam: ERR_NO_CONTROLS: testsrc has no controls (not a V4L2 device)']);
  });

  it('--list-controls on a relay (a source with no controls object) is the same one line, exit 1', async () => {
    await withCli([...SMALL, '-p', '0'], async (upstream) => {
      const url = `http://127.0.0.1:${upstream.port}/stream`;
      const result = await runCli(['--source', url, '--list-controls']);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toEqual([`turbocam: ERR_NO_CONTROLS: ${url} has no controls (not a V4L2 device)`]);
    });
  });

  it('--allow-origin * answers any origin with *, and a comma list only its members', async () => {
    await withCli([...SMALL, '-p', '0', '--allow-origin', '*'], async (cli) => {
      for (const origin of ['http://a.test', 'https://b.test:8443']) {
        const answer = await fetchRaw({ port: cli.port }, '/state', { headers: { Origin: origin } });
        expect(answer.headers['access-control-allow-origin']).toBe('*');
      }
    });
    await withCli([...SMALL, '-p', '0', '--allow-origin', 'http://a.test,http://b.test'], async (cli) => {
      for (const origin of ['http://a.test', 'http://b.test']) {
        const answer = await fetchRaw({ port: cli.port }, '/snapshot', { headers: { Origin: origin } });
        expect(answer.headers['access-control-allow-origin']).toBe(origin);
        expect(answer.headers.vary).toBe('Origin');
      }
      const other = await fetchRaw({ port: cli.port }, '/state', { headers: { Origin: 'http://c.test' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('exits 1 with one line when it cannot listen (the port is taken)', async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const result = await runCli([...SMALL, '-p', String(port)]);
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^turbocam: EADDRINUSE\b/);
    } finally {
      taken.close();
    }
  });

  it('a second Ctrl-C during shutdown quits at once (exit 130)', async () => {
    const cli = await startCli([...SMALL, '-p', '0']);
    // Once it answers, its signal handlers are in place (they follow the printed URLs).
    expect((await fetchRaw({ port: cli.port }, '/state')).status).toBe(200);
    // Stopped, the process takes both signals at once when it resumes: the first starts the
    // clean shutdown, the second arrives while it runs. (Two SIGINTs could merge while pending.)
    cli.child.kill('SIGSTOP');
    cli.child.kill('SIGTERM');
    cli.child.kill('SIGINT');
    cli.child.kill('SIGCONT');
    expect(await cli.exited).toEqual({ code: 130, signal: null });
  });
});
