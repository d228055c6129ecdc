// `--persistent` with a source that is not there yet (µStreamer waits for its device): the CLI
// serves NO SIGNAL at once, keeps trying, and streams the source once it appears. Without
// --persistent the same start is one line on stderr and exit 1 (see cli.test.ts).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, startCli } from '../helpers/cli.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

beforeAll(() => ensureBuilt());

/** A loopback port nothing listens on: bound, read, released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function online(port: number): Promise<boolean> {
  const answer = await fetchRaw({ port }, '/state');
  return (JSON.parse(answer.body.toString()) as { result: { source: { online: boolean } } }).result.source.online;
}

/** Starts the CLI on an absent source with --persistent: offline, yet streaming NO SIGNAL frames. */
async function expectNoSignal(source: string[]): Promise<void> {
  const cli = await startCli([...source, '--persistent', '--port', '0']);
  try {
    expect(await online(cli.port)).toBe(false);
    const viewer = new StrictMjpegClient({ port: cli.port });
    try {
      await viewer.waitForParts(2, 5000);
      expect(jpeg.decode(viewer.parts[0]!.body).width).toBe(640);
    } finally {
      viewer.close();
    }
  } finally {
    expect((await cli.stop()).code).toBe(0);
  }
}

describe('--persistent with an absent source', () => {
  it('serves NO SIGNAL until the FIFO appears, then streams what is written to it', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'turbocam-later-')), 'cam.mjpeg');
    const cli = await startCli(['--source', fifo, '--format', 'mjpeg', '--persistent', '--port', '0']);
    const viewer = new StrictMjpegClient({ port: cli.port });
    let writer: ReturnType<typeof spawn> | undefined;
    try {
      expect(cli.stdout).toContain(`waiting for ${fifo}`);
      expect(await online(cli.port)).toBe(false);
      // NO SIGNAL frames: decodable JPEGs at the requested (default) size.
      await viewer.waitForParts(2, 5000);
      const noSignal = jpeg.decode(viewer.parts[0]!.body);
      expect([noSignal.width, noSignal.height]).toEqual([640, 480]);
      const snapshot = await fetchRaw({ port: cli.port }, '/snapshot');
      expect(snapshot.status).toBe(503);

      execFileSync('mkfifo', [fifo]);
      writer = spawn(
        'ffmpeg',
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-y',
          '-re',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=176x144:rate=10',
          '-t',
          '30',
          '-q:v',
          '3',
          '-f',
          'mjpeg',
          fifo,
        ],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + 10_000;
      let real: { width: number; height: number } | undefined;
      while (real === undefined) {
        if (Date.now() > deadline) throw new Error('no frame from the FIFO reached the stream');
        await viewer.waitForParts(viewer.parts.length + 1, 5000);
        const image = jpeg.decode(viewer.parts.at(-1)!.body);
        if (image.width === 176) real = image;
      }
      expect(real.height).toBe(144);
      expect(await online(cli.port)).toBe(true);
      const live = await fetchRaw({ port: cli.port }, '/snapshot');
      expect(live.status).toBe(200);
      expect(jpeg.decode(live.body).width).toBe(176);
    } finally {
      viewer.close();
      writer?.kill();
      expect((await cli.stop()).code).toBe(0);
    }
  });

  it('serves NO SIGNAL for a missing V4L2 device', async () => {
    await expectNoSignal(['--source', '/dev/video97']);
  });

  it('serves NO SIGNAL for a relay whose upstream is down at start', async () => {
    await expectNoSignal(['--source', `http://127.0.0.1:${await unusedPort()}/stream`]);
  });

  it('still exits 1 with one line without --persistent', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'turbocam-never-')), 'cam.mjpeg');
    const result = await runCli(['--source', fifo, '--format', 'mjpeg', '--port', '0']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^turbocam: ENOENT: /);
  });
});
