// Camera controls over HTTP against a source with controls: listing, setting by JSON, form and
// mjpg-streamer's command, every refusal (changing nothing), writes off by default, behind auth,
// and from other sites. The change shows in the next frames' pixels a stream client decodes.
import jpeg from 'jpeg-js';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type TurbocamServer } from '../../src/index.js';
import { ControlledSource } from '../helpers/controlled-source.js';
import { ControllableSource } from '../helpers/controllable-source.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { request } from 'node:http';

const running: Array<{ server: TurbocamServer; source: ControlledSource }> = [];
afterEach(async () => {
  for (const { server, source } of running.splice(0)) {
    await server.close();
    await source.close();
  }
});

async function start(
  options: { allowControls?: boolean; auth?: boolean; source?: ControlledSource } = {},
): Promise<{ port: number; source: ControllableSource }> {
  const source = options.source ?? new ControllableSource();
  const server = await serve({
    source,
    port: 0,
    allowControls: options.allowControls ?? true,
    ...(options.auth === true ? { auth: [{ user: 'me', pass: 'secret' }] } : {}),
  });
  running.push({ server, source });
  return { port: server.port!, source: source as ControllableSource };
}

function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: { ok: boolean; result?: Record<string, number>; error?: { message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Length': String(Buffer.byteLength(body)), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const postJson = (port: number, body: unknown, headers: Record<string, string> = {}) =>
  post(port, '/controls', typeof body === 'string' ? body : JSON.stringify(body), { 'Content-Type': 'application/json', ...headers });

function values(source: ControllableSource): Record<string, number | null> {
  return Object.fromEntries([...source.values.values()].map((c) => [c.name, c.value]));
}

describe('GET /controls', () => {
  it('lists every control with value, range, step, default and menu items', async () => {
    const { port } = await start({ allowControls: false });
    const answer = await fetchRaw({ port }, '/controls');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(answer.body.toString());
    expect(body.ok).toBe(true);
    expect(body.result.writable).toBe(false);
    const byName = Object.fromEntries(body.result.controls.map((c: { name: string }) => [c.name, c]));
    expect(byName.brightness).toMatchObject({
      type: 'integer',
      value: 128,
      min: 0,
      max: 255,
      step: 1,
      default: 128,
      menu: null,
      read_only: false,
    });
    expect(byName.power_line_frequency.menu).toEqual([
      { value: 0, name: 'Disabled' },
      { value: 1, name: '50 Hz' },
      { value: 2, name: '60 Hz' },
    ]);
    expect(byName.read_only_value.read_only).toBe(true);
  });

  it('answers 404 for a source without controls', async () => {
    const { port } = await start({ source: new ControlledSource() });
    const answer = await fetchRaw({ port }, '/controls');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString()).error.message).toMatch(/has no controls/);
  });
});

describe('POST /controls', () => {
  it('sets several controls from JSON and answers their new values', async () => {
    const { port, source } = await start();
    const answer = await postJson(port, { brightness: 200, horizontal_flip: true, power_line_frequency: '60 Hz', contrast: 75 });
    expect(answer.status).toBe(200);
    expect(answer.json.result).toEqual({ brightness: 200, horizontal_flip: 1, power_line_frequency: 2, contrast: 75 });
    expect(values(source)).toMatchObject({ brightness: 200, horizontal_flip: 1, power_line_frequency: 2, contrast: 75 });
  });

  it('sets from a form body', async () => {
    const { port, source } = await start();
    const answer = await post(port, '/controls', 'brightness=17&horizontal_flip=true', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(answer.status).toBe(200);
    expect(answer.json.result).toEqual({ brightness: 17, horizontal_flip: 1 });
    expect(source.values.get('brightness')!.value).toBe(17);
  });

  it.each([
    [{ brightness: 10, nosuch: 1 }, /no control named 'nosuch'/],
    [{ brightness: 10, read_only_value: 4 }, /read_only_value is read-only/],
    [{ brightness: 256 }, /brightness: 256 is outside 0\.\.255/],
    [{ brightness: 10, contrast: 52 }, /step 5/],
    [{ brightness: 10, power_line_frequency: 3 }, /not one of its menu items/],
    [{ brightness: 10.5 }, /not an integer/],
    [{ brightness: 'bright' }, /not an integer/],
    [{ osd_text: 1 }, /string control, not settable/],
    [{}, /no controls given/],
    ['[1,2]', /JSON object/],
    ['{"brightness":', /not valid JSON/],
  ])('refuses %j with 400 and the reason, changing nothing', async (body, reason) => {
    const { port, source } = await start();
    const before = values(source);
    const answer = await postJson(port, body);
    expect(answer.status).toBe(400);
    expect(answer.json.ok).toBe(false);
    expect(answer.json.error!.message).toMatch(reason);
    expect(values(source)).toEqual(before);
    expect(source.sets).toEqual([]);
  });

  it('puts back what it set when the device refuses a later control', async () => {
    const { port, source } = await start();
    source.failing.add('contrast');
    const answer = await postJson(port, { brightness: 10, contrast: 75 });
    expect(answer.status).toBe(400);
    expect(answer.json.error!.message).toMatch(/device refused contrast/);
    expect(source.values.get('brightness')!.value).toBe(128);
  });

  it('refuses other content types (415) and oversized bodies (413)', async () => {
    const { port, source } = await start();
    expect((await post(port, '/controls', 'brightness=1', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await postJson(port, JSON.stringify({ brightness: 1, pad: 'x'.repeat(20_000) }))).status).toBe(413);
    expect(source.sets).toEqual([]);
  });

  it('is off without allowControls: 403, nothing changed, and the page shows no controls', async () => {
    const { port, source } = await start({ allowControls: false });
    const answer = await postJson(port, { brightness: 1 });
    expect(answer.status).toBe(403);
    expect(answer.json.error!.message).toMatch(/--allow-controls/);
    expect((await fetchRaw({ port }, '/?action=command&dest=0&plugin=0&id=9963776&group=1&value=1')).status).toBe(403);
    expect(source.sets).toEqual([]);
    expect((await fetchRaw({ port }, '/')).body.toString()).not.toContain('id="controls"');
  });

  it('needs the credentials when auth is on', async () => {
    const { port, source } = await start({ auth: true });
    expect((await postJson(port, { brightness: 1 })).status).toBe(401);
    expect(source.sets).toEqual([]);
    const authorization = `Basic ${Buffer.from('me:secret').toString('base64')}`;
    const answer = await postJson(port, { brightness: 1 }, { Authorization: authorization });
    expect(answer.status).toBe(200);
    expect(source.values.get('brightness')!.value).toBe(1);
  });

  it('refuses writes from another site, allows its own page', async () => {
    const { port, source } = await start();
    const evil = await postJson(port, { brightness: 1 }, { Origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    const sneaky = await fetchRaw({ port }, '/?action=command&dest=0&plugin=0&id=9963776&group=1&value=1', {
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(sneaky.status).toBe(403);
    expect(source.sets).toEqual([]);
    const own = await postJson(port, { brightness: 2 }, { Origin: `http://127.0.0.1:${port}` });
    expect(own.status).toBe(200);
  });

  it('answers CORS preflight for POST', async () => {
    const source = new ControllableSource();
    const server = await serve({ source, port: 0, allowControls: true, allowOrigin: 'http://app.example' });
    running.push({ server, source });
    const answer = await fetchRaw({ port: server.port! }, '/controls', { method: 'OPTIONS', headers: { Origin: 'http://app.example' } });
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-methods']).toContain('POST');
    expect(answer.headers['access-control-allow-headers']).toContain('Content-Type');
    const write = await postJson(server.port!, { brightness: 3 }, { Origin: 'http://app.example' });
    expect(write.status).toBe(200);
  });
});

describe("mjpg-streamer's command", () => {
  it('sets a control by its V4L2 id through the same validation', async () => {
    const { port, source } = await start();
    const ok = await fetchRaw({ port }, `/?action=command&dest=0&plugin=0&id=${0x00980900}&group=1&value=42`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString()).result).toEqual({ brightness: 42 });
    expect(source.values.get('brightness')!.value).toBe(42);
    for (const [query, reason] of [
      [`id=${0x00980900}&group=1&value=300`, /outside/],
      [`id=${0x00980900}&group=2&value=3`, /group 2/],
      [`id=${0x00980900}&group=1&dest=1&value=3`, /dest=1/],
      ['id=12345&group=1&value=3', /no control with id 12345/],
    ] as const) {
      const answer = await fetchRaw({ port }, `/?action=command&${query}`);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body.toString()).error.message).toMatch(reason);
    }
    expect(source.values.get('brightness')!.value).toBe(42);
  });
});

describe('the change in the picture', () => {
  it('a brightness set over HTTP shows in the next frames a stream client decodes', async () => {
    const { port, source } = await start();
    source.start(30);
    const client = new StrictMjpegClient({ port, path: '/stream' });
    await client.waitForParts(2);
    const red = (data: Buffer): number => {
      const image = jpeg.decode(data, { useTArray: true });
      return image.data[((image.height - 8) * image.width + 8) * 4]!;
    };
    expect(Math.abs(red(client.parts.at(-1)!.body) - 128)).toBeLessThan(8);
    expect((await postJson(port, { brightness: 230 })).status).toBe(200);
    const seen = client.parts.length;
    await client.waitForParts(seen + 3);
    expect(Math.abs(red(client.parts.at(-1)!.body) - 230)).toBeLessThan(8);
    client.close();
  });
});
