// One turbocam relaying another: frames pass through, an upstream loss shows NO SIGNAL, and the
// relay resumes when the upstream is back on the same address.
import { spawn } from 'node:child_process';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startCli } from '../helpers/cli.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const UPSTREAM = ['--source', 'testsrc', '--resolution', '320x240', '--fps', '15', '--workers', '1'];

beforeAll(() => ensureBuilt());

async function state(port: number): Promise<{ source: { online: boolean; kind: string; resolution: { width: number } } }> {
  return JSON.parse((await fetchRaw({ port }, '/state')).body.toString()).result;
}

describe('relay of another turbocam', () => {
  it('passes frames through, shows NO SIGNAL while the upstream is down, and resumes', async () => {
    let upstream = await startCli([...UPSTREAM, '--port', '0']);
    const upstreamPort = upstream.port;
    const relay = await startCli(['--source', `http://127.0.0.1:${upstreamPort}/stream`, '--port', '0', '--device-timeout', '2']);
    try {
      expect(relay.stdout).toMatch(/streaming http:\/\/127\.0\.0\.1:\d+\/stream 320x240 \(MJPEG passed through\)/);
      const client = new StrictMjpegClient({ port: relay.port });
      await client.waitForParts(10);
      const image = jpeg.decode(client.parts.at(-1)?.body ?? Buffer.alloc(0));
      expect([image.width, image.height]).toEqual([320, 240]);
      expect((await state(relay.port)).source).toMatchObject({ kind: 'relay', online: true, resolution: { width: 320 } });

      // ffmpeg decodes the relayed stream too.
      const frames = await new Promise<number>((resolve) => {
        const ff = spawn('ffmpeg', ['-loglevel', 'error', '-i', `http://127.0.0.1:${relay.port}/stream`, '-frames:v', '5', '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
        let bytes = 0;
        ff.stdout.on('data', (c: Buffer) => (bytes += c.length));
        ff.on('close', () => resolve(bytes / (320 * 240)));
      });
      expect(frames).toBe(5);

      await upstream.stop();
      await sleep(1500);
      expect((await state(relay.port)).source.online).toBe(false);
      expect((await fetchRaw({ port: relay.port }, '/snapshot')).status).toBe(503);
      const countDuringOutage = client.parts.length;
      await sleep(1000);
      // NO SIGNAL frames keep the viewer's stream alive.
      expect(client.parts.length).toBeGreaterThan(countDuringOutage);
      expect(client.ended).toBe(false);
      expect(relay.stderr).toMatch(/no signal/);

      upstream = await startCli([...UPSTREAM, '--port', String(upstreamPort)]);
      const deadline = Date.now() + 8000;
      while (!(await state(relay.port)).source.online && Date.now() < deadline) await sleep(200);
      expect((await state(relay.port)).source.online).toBe(true);
      const snapshot = await fetchRaw({ port: relay.port }, '/snapshot');
      expect(snapshot.status).toBe(200);
      expect(jpeg.decode(snapshot.body).width).toBe(320);
      client.close();
    } finally {
      await relay.stop();
      await upstream.stop();
    }
  });

  it('exits 1 with one line when the upstream cannot be reached (without --persistent)', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const result = await runCli(['--source', 'http://127.0.0.1:9/stream', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^turbocam: ECONNREFUSED: http:\/\/127\.0\.0\.1:9\/stream/);
  });
});
