// crowsnest's µStreamer line, unchanged, run through turbocam-ustreamer against vivid: 640x480 at
// 15 fps with CORS for any origin, the static directory's index.html at /, a clean stop on SIGTERM
// that frees the device; the MJPEG variant fails clearly on a camera without MJPEG; µStreamer's
// control options reach the device.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import { ensureBuilt, runCli, startCli, USTREAMER_CLI } from '../helpers/cli.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { DEVICE, v4l2ctl, vividUnavailable } from '../helpers/vivid.js';

const unavailable = await vividUnavailable();
const www = mkdtempSync(join(tmpdir(), 'ustreamer-www-'));
const CROWSNEST = [
  '--host',
  '127.0.0.1',
  '--port',
  '8080',
  '--resolution',
  '640x480',
  '--desired-fps',
  '15',
  '--allow-origin',
  '*',
  '--static',
  www,
  '--device',
  DEVICE,
  '--device-timeout',
  '2',
];

function readFromOutside(name: string): number {
  return Number(execFileSync('v4l2-ctl', ['-d', DEVICE, '-C', name], { encoding: 'utf8' }).split(':')[1]);
}

/** The device's control defaults, as v4l2-ctl lists them. */
function defaults(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of execFileSync('v4l2-ctl', ['-d', DEVICE, '-l'], { encoding: 'utf8' }).split('\n')) {
    const match = /^\s*(\w+) .*default=(-?\d+)/.exec(line);
    if (match) out[match[1]!] = Number(match[2]);
  }
  return out;
}

/** Width and height from a JPEG's SOF marker. */
function jpegSize(data: Buffer): [number, number] {
  for (let i = 2; i + 9 < data.length;) {
    const marker = data[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) return [data.readUInt16BE(i + 7), data.readUInt16BE(i + 5)];
    i += 2 + data.readUInt16BE(i + 2);
  }
  throw new Error('no SOF');
}

describe.skipIf(unavailable !== null)("crowsnest's µStreamer line on vivid", () => {
  beforeAll(() => {
    ensureBuilt();
    writeFileSync(join(www, 'index.html'), '<!doctype html><title>crowsnest</title><img src="/?action=stream">');
  });

  it('streams 640x480 at 15 fps with CORS, serves index.html at /, stops cleanly on SIGTERM', { timeout: 180_000 }, async () => {
    const cli = await startCli(CROWSNEST, process.env, USTREAMER_CLI);
    try {
      expect(cli.port).toBe(8080);
      const index = await fetchRaw({ port: 8080 }, '/');
      expect(index.status).toBe(200);
      expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(index.body.toString()).toContain('<title>crowsnest</title>');

      const client = new StrictMjpegClient({ port: 8080, path: '/?action=stream' });
      await client.waitForParts(24, 30_000);
      expect(client.responseHeaders.get('access-control-allow-origin')).toBe('*');
      expect(jpegSize(client.parts.at(-1)!.body)).toEqual([640, 480]);
      // The device's own capture timestamps over its sequence numbers: one frame every 1/15 s, even
      // when an emulated, loaded machine skips some on the way to this client.
      const first = client.parts[4]!;
      const last = client.parts.at(-1)!;
      const frames = Number(last.headers.get('x-sequence')) - Number(first.headers.get('x-sequence'));
      const seconds = Number(last.headers.get('x-timestamp')) - Number(first.headers.get('x-timestamp'));
      expect((seconds * 1000) / frames).toBeCloseTo(1000 / 15, -1);
      const state = JSON.parse((await fetchRaw({ port: 8080 }, '/state')).body.toString());
      expect(state.result.source).toMatchObject({ kind: 'v4l2', name: DEVICE, resolution: { width: 640, height: 480 }, desired_fps: 15 });
      const snapshot = await fetchRaw({ port: 8080 }, '/?action=snapshot');
      expect(snapshot.headers['access-control-allow-origin']).toBe('*');
      client.close();
    } finally {
      expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
    // The device is free again at once.
    const camera = await openCamera({ source: DEVICE, width: 320, height: 180 });
    await camera.close();
  });

  it('with --format MJPEG --encoder HW --buffers 3 says the camera has no MJPEG', { timeout: 180_000 }, async () => {
    const result = await runCli([...CROWSNEST, '--format', 'MJPEG', '--encoder', 'HW', '--buffers', '3'], 30_000, USTREAMER_CLI);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ERR_UNSUPPORTED_FORMAT/);
  });

  // Each starts the CLI on an emulated machine: seconds apiece.
  it("µStreamer's --brightness and --contrast set the device", async () => {
    const cli = await startCli([...CROWSNEST, '--brightness', '50', '--contrast', '60'], process.env, USTREAMER_CLI);
    expect(readFromOutside('brightness')).toBe(50);
    expect(readFromOutside('contrast')).toBe(60);
    await cli.stop('SIGTERM');
  }, 180_000);

  it('--brightness default resets it to the default, leaving the others', async () => {
    v4l2ctl('brightness=50', 'contrast=60');
    const cli = await startCli([...CROWSNEST, '--brightness', 'default'], process.env, USTREAMER_CLI);
    expect(readFromOutside('brightness')).toBe(defaults().brightness);
    expect(readFromOutside('contrast')).toBe(60);
    await cli.stop('SIGTERM');
  }, 180_000);

  it('--image-default resets the picture controls the device has; a value given beside it wins', async () => {
    v4l2ctl('brightness=10', 'contrast=20', 'saturation=30');
    const cli = await startCli([...CROWSNEST, '--image-default', '--hue', '5'], process.env, USTREAMER_CLI);
    const d = defaults();
    expect([readFromOutside('brightness'), readFromOutside('contrast'), readFromOutside('saturation')]).toEqual([
      d.brightness,
      d.contrast,
      d.saturation,
    ]);
    expect(readFromOutside('hue')).toBe(5);
    await cli.stop('SIGTERM');
    v4l2ctl(`hue=${d.hue!}`);
  }, 180_000);
});

if (unavailable !== null) {
  describe("crowsnest's µStreamer line on vivid", () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
