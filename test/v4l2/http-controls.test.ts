// vivid's controls over HTTP through the CLI: GET /controls lists the device's own, POST changes
// brightness and the next frames a client decodes show it; a refused request changes nothing on
// the device (checked from another process with v4l2-ctl).
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startCli, type RunningCli } from '../helpers/cli.js';
import { decodeJpeg, sampleBars } from '../helpers/colour-bars.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';

const unavailable = await vividUnavailable();

function readFromOutside(name: string): number {
  return Number(execFileSync('v4l2-ctl', ['-d', DEVICE, '-C', name], { encoding: 'utf8' }).split(':')[1]);
}

// A fresh connection each time (no keep-alive agent): under emulation a pooled connection can meet
// the server's idle close on its way out.
function postControls(
  port: number,
  body: object,
): Promise<{ status: number; json: { ok: boolean; result?: Record<string, number>; error?: { message: string } } }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/controls',
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

describe.skipIf(unavailable !== null)('controls over HTTP on vivid', () => {
  let cli: RunningCli;
  beforeAll(async () => {
    ensureBuilt();
    cli = await startCli([
      '--device',
      DEVICE,
      '--resolution',
      '320x180',
      '--fps',
      '30',
      '--format',
      'yuyv',
      '--port',
      '0',
      '--allow-controls',
      '-c',
      'osd_text_mode=2',
      '-c',
      'brightness=128',
    ]);
  });
  afterAll(async () => {
    await cli?.stop();
  });

  it('lists the device controls with ranges, defaults and menus', async () => {
    const body = JSON.parse((await fetchRaw({ port: cli.port }, '/controls')).body.toString()) as {
      result: { writable: boolean; controls: Array<Record<string, unknown>> };
    };
    expect(body.result.writable).toBe(true);
    const brightness = body.result.controls.find((c) => c.name === 'brightness');
    expect(brightness).toMatchObject({ type: 'integer', min: 0, max: 255, step: 1, default: 128, value: 128 });
    const pattern = body.result.controls.find((c) => c.name === 'test_pattern') as { menu: Array<{ value: number; name: string }> };
    expect(pattern.menu[0]).toEqual({ value: 0, name: '75% Colorbar' });
  });

  it('a brightness set over HTTP shows in the next frames', async () => {
    const client = new StrictMjpegClient({ port: cli.port, path: '/stream' });
    const after = async (): Promise<number> => {
      const seen = client.parts.length;
      await client.waitForParts(seen + 4, 20_000);
      return sampleBars(decodeJpeg(client.parts.at(-1)!.body), 0.2, 0.8)[0]![1];
    };
    await client.waitForParts(1, 20_000);
    expect((await postControls(cli.port, { brightness: 60 })).json.result).toEqual({ brightness: 60 });
    expect(readFromOutside('brightness')).toBe(60);
    const dark = await after();
    expect((await postControls(cli.port, { brightness: 200 })).json.result).toEqual({ brightness: 200 });
    const bright = await after();
    expect(bright).toBeGreaterThan(dark + 40);
    client.close();
  });

  it('refuses read-only and out-of-range values without touching the device', async () => {
    const before = readFromOutside('contrast');
    const readOnly = await postControls(cli.port, { contrast: 10, read_only_integer_32_bits: 1 });
    expect(readOnly.status).toBe(400);
    expect(readOnly.json.error!.message).toMatch(/read-only/);
    const range = await postControls(cli.port, { contrast: 10, brightness: 999 });
    expect(range.status).toBe(400);
    expect(readFromOutside('contrast')).toBe(before);
  });
});

if (unavailable !== null) {
  describe('controls over HTTP on vivid', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
