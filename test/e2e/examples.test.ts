// Every program in examples/ runs as a user would run it: its own process, importing the package
// by its name (the package's self-reference to dist/), stopped with SIGTERM, which it must obey.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCamera, serve } from '../../src/index.js';
import { ensureBuilt } from '../helpers/cli.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { HANG_MS, waitUntil } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Example {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running: Example[] = [];
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const example of running.splice(0)) example.child.kill('SIGKILL');
  for (const step of cleanup.splice(0).reverse()) await step();
});

beforeAll(() => ensureBuilt());

function run(name: string, args: string[]): Example {
  const child = spawn(process.execPath, [join(ROOT, 'examples', name), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const example: Example = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  running.push(example);
  return example;
}

/** The first match of `pattern` in the example's output, waiting for it (failing if it exits). */
async function line(example: Example, pattern: RegExp): Promise<RegExpExecArray> {
  let exited = false;
  void example.exited.then(() => (exited = true));
  return waitUntil(`${pattern} from the example`, () => {
    const match = pattern.exec(example.stdout());
    if (match === null && exited) throw new Error(`the example exited: ${example.stdout()}${example.stderr()}`);
    return match;
  });
}

async function stopped(example: Example): Promise<void> {
  example.child.kill('SIGTERM');
  const code = await Promise.race([example.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), HANG_MS))]);
  expect(code, example.stderr()).toBe(0);
}

describe('examples/', () => {
  it('express.js: the stream and the snapshot on Express routes', async () => {
    const example = run('express.js', ['--port', '0']);
    const port = Number((await line(example, /at http:\/\/127\.0\.0\.1:(\d+)\/camera\/stream/))[1]);
    const viewer = new StrictMjpegClient({ port, path: '/camera/stream' });
    try {
      await viewer.waitForParts(5);
      const snapshot = await fetchRaw({ port }, '/camera/snapshot');
      expect(snapshot.status).toBe(200);
      const image = decodeJpeg(snapshot.body);
      expect([image.width, image.height]).toEqual([640, 480]);
      expect(colourBarMismatches(image, 0.05, 0.6)).toEqual([]);
      expect((await fetchRaw({ port }, '/')).body.toString()).toContain('<img src="/camera/stream"');
      await stopped(example);
      expect(example.stdout()).toContain('express: stopped');
      await waitUntil('the stream ended by the stop', () => viewer.ended);
    } finally {
      viewer.close();
    }
  });

  it('timelapse.js: a JPEG every interval, only the newest --keep kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turbocam-timelapse-'));
    const example = run('timelapse.js', ['--every', '0.2', '--keep', '3', '--dir', dir]);
    await waitUntil('six shots saved', () => (example.stdout().match(/saved /g) ?? []).length >= 6);
    await stopped(example);
    const saved = [...example.stdout().matchAll(/saved (\S+\.jpg) \(1280x720, sequence (\d+)\), (\d+) kept/g)];
    expect(saved.length).toBeGreaterThanOrEqual(6);
    // Kept: 1, 2, 3, then never more than 3; the files left are the three newest shots.
    expect(saved.slice(0, 4).map((match) => Number(match[3]))).toEqual([1, 2, 3, 3]);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(saved.slice(-3).map((match) => match[1]));
    // Each shot a new frame of the camera, and a real picture.
    const sequences = saved.map((match) => Number(match[2]));
    expect(sequences.every((sequence, i) => i === 0 || sequence > (sequences[i - 1] ?? 0))).toBe(true);
    for (const file of files) {
      const image = decodeJpeg(readFileSync(join(dir, file)));
      expect([image.width, image.height]).toEqual([1280, 720]);
      expect(colourBarMismatches(image, 0.05, 0.6)).toEqual([]);
    }
  });

  it("relay.js: another server's stream re-served at a lower rate", async () => {
    const camera = await openCamera({ source: 'testsrc', width: 320, height: 240, fps: 30, workers: 1 });
    cleanup.push(() => camera.close());
    const upstream = await serve({ source: camera, port: 0 });
    cleanup.push(() => upstream.close());
    const example = run('relay.js', ['--url', `http://127.0.0.1:${upstream.port}/stream`, '--fps', '5', '--port', '0']);
    const port = Number((await line(example, /on http:\/\/127\.0\.0\.1:(\d+)\/stream/))[1]);
    const relayed = new StrictMjpegClient({ port, path: '/stream' });
    const direct = new StrictMjpegClient({ port: upstream.port!, path: '/stream' });
    try {
      relayed.keepBodies = false;
      await relayed.waitForParts(1);
      await direct.waitForParts(1);
      const from = { relayed: relayed.parts.length, direct: direct.parts.length };
      await direct.waitForParts(from.direct + 90, 60_000);
      const got = { relayed: relayed.parts.length - from.relayed, direct: direct.parts.length - from.direct };
      // 5 fps against 30: the relay's viewer got about a sixth of the upstream's frames.
      expect(got.relayed).toBeGreaterThanOrEqual(3);
      expect(got.relayed * 3).toBeLessThan(got.direct);
      const snapshot = await fetchRaw({ port }, '/snapshot');
      expect(snapshot.status).toBe(200);
      expect(decodeJpeg(snapshot.body).width).toBe(320);
      await stopped(example);
      expect(example.stdout()).toContain('relay: stopped');
    } finally {
      relayed.close();
      direct.close();
    }
  });
});
