// One turbocam relaying another: frames pass through, an upstream loss shows NO SIGNAL, and the
// relay resumes when the upstream is back on the same address.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { openRelay } from '../../src/sources/relay.js';
import type { Frame } from '../../src/types.js';
import { solidJpeg } from '../helpers/controlled-source.js';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startCli } from '../helpers/cli.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
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
        const ff = spawn('ffmpeg', [
          '-loglevel',
          'error',
          '-i',
          `http://127.0.0.1:${relay.port}/stream`,
          '-frames:v',
          '5',
          '-f',
          'rawvideo',
          '-pix_fmt',
          'gray',
          '-',
        ]);
        let bytes = 0;
        ff.stdout.on('data', (c: Buffer) => (bytes += c.length));
        ff.on('close', () => resolve(bytes / (320 * 240)));
      });
      expect(frames).toBe(5);

      await upstream.stop();
      await waitUntil('the relay to see the upstream gone', async () => !(await state(relay.port)).source.online);
      expect((await fetchRaw({ port: relay.port }, '/snapshot')).status).toBe(503);
      const countDuringOutage = client.parts.length;
      // NO SIGNAL frames keep the viewer's stream alive.
      await client.waitForParts(countDuringOutage + 1);
      expect(client.ended).toBe(false);
      expect(relay.stderr).toMatch(/no signal/);

      upstream = await startCli([...UPSTREAM, '--port', String(upstreamPort)]);
      await waitUntil('the relay back online', async () => (await state(relay.port)).source.online);
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

  it('reads upstreams with bare LF, no Content-Length and a dashed boundary, and reports loss and return', async () => {
    const frames = [solidJpeg(48, 32, 1), solidJpeg(48, 32, 2), solidJpeg(48, 32, 3)];
    // An mjpg-streamer-like upstream with the sloppy framing real servers send.
    const upstream = createHttpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace;boundary="--sloppy"' });
      let i = 0;
      const timer = setInterval(() => {
        const frame = frames[i % frames.length] ?? Buffer.alloc(0);
        res.write(Buffer.concat([Buffer.from('--sloppy\nContent-Type: image/jpeg\n\n'), frame, Buffer.from('\n')]));
        i += 1;
      }, 20);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const relay = await openRelay({ url: `http://127.0.0.1:${port}/`, timeoutMs: 1000, retryMs: 100 });
    try {
      const got: Frame[] = [];
      relay.on('frame', (frame: Frame) => got.push(frame));
      await waitUntil('six frames', () => got.length >= 6);
      for (const frame of got) expect(frames.some((f) => f.equals(frame.data))).toBe(true);
      expect(relay.info).toMatchObject({ kind: 'relay', width: 48, height: 32, format: 'mjpeg' });
      expect(got.map((f) => f.sequence)).toEqual(got.map((_, i) => (got[0]?.sequence ?? 0) + i));

      const events: string[] = [];
      relay.on('disconnect', () => events.push('disconnect'));
      relay.on('reconnect', () => events.push('reconnect'));
      const reconnected = waitFor(relay, 'reconnect');
      upstream.closeAllConnections();
      await reconnected;
      expect(events).toEqual(['disconnect', 'reconnect']);
      const count = got.length;
      await waitUntil('frames after the return', () => got.length > count);
      expect(relay.stats().dropped.corrupt).toBe(0);
      expect(relay.stats().delivered).toBeGreaterThanOrEqual(got.length);
    } finally {
      await relay.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });
});
