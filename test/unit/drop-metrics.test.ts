// Each drop reason provoked for real and seen rising on /metrics: busy (the JS thread blocked
// while frames keep coming), late (four workers finishing out of order), corrupt (MJPEG frames
// without a header from a FIFO) and error (a pipe's last frame cut short). Paused drops rising
// are checked in test/e2e/idle-pause.test.ts; the V4L2 driver's own error flag in
// test/v4l2/faults.test.ts.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createServer, encodeSync, openCamera, testPattern, type Camera, type TurbocamServer } from '../../src/index.js';
import type { DropReason } from '../../src/sources/source.js';
import { fetchRaw } from '../helpers/http.js';
import { HANG_MS, waitUntil } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-drop-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const running: Array<{ camera: Camera; server: TurbocamServer }> = [];
afterEach(async () => {
  for (const { camera, server } of running.splice(0)) {
    await server.close();
    await camera.close();
  }
});

async function served(camera: Camera): Promise<number> {
  const server = createServer({ source: camera });
  await server.listen({ port: 0, host: '127.0.0.1' });
  running.push({ camera, server });
  return server.port!;
}

async function dropped(port: number, reason: DropReason): Promise<number> {
  const text = (await fetchRaw({ port }, '/metrics')).body.toString();
  const match = new RegExp(`^turbocam_frames_dropped_total\\{[^}]*reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  if (!match) throw new Error(`no turbocam_frames_dropped_total sample for ${reason}`);
  return Number(match[1]);
}

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

describe('/metrics drop counters rise when frames are dropped', () => {
  it('busy: frames that arrive while the JS thread is blocked replace each other', async () => {
    const camera = await openCamera({ source: 'testsrc', width: 64, height: 48, fps: 200 });
    const port = await served(camera);
    await waitUntil('a first frame', () => camera.stats().delivered > 0);
    const before = await dropped(port, 'busy');
    // Blocks the JS thread outright, as a handler stuck in synchronous work would, until the
    // capture has produced several frames that JS could not take.
    const blockUntil = (captured: number): void => {
      const deadline = Date.now() + HANG_MS;
      while (camera.stats().captured < captured && Date.now() < deadline);
    };
    blockUntil(camera.stats().captured + 10);
    await waitUntil('busy drops rising on /metrics', async () => (await dropped(port, 'busy')) > before);
  });

  it(
    'late: a frame finishing after a newer one (four workers on two cores) is dropped',
    async () => {
      const camera = await openCamera({ source: 'testsrc', width: 640, height: 480, fps: 1000, workers: 4 });
      const port = await served(camera);
      await waitUntil('a first frame', () => camera.stats().delivered > 0);
      const before = await dropped(port, 'late');
      await waitUntil('late drops rising on /metrics', async () => (await dropped(port, 'late')) > before, HANG_MS * 3, 100);
    },
    HANG_MS * 4,
  );

  it('corrupt: MJPEG frames without a complete header are dropped, the good ones served', async () => {
    const path = fifo('corrupt.fifo');
    const camera = await openCamera({ source: path, format: 'mjpeg' });
    const port = await served(camera);
    const writer = openSync(path, 'w');
    try {
      const good = encodeSync(testPattern({ width: 32, height: 16, format: 'rgb24' }), { width: 32, height: 16, format: 'rgb24' });
      writeSync(writer, good);
      await waitUntil('the good frame', () => camera.stats().delivered > 0);
      const before = await dropped(port, 'corrupt');
      // SOI, a comment and EOI: split as a frame, but no frame header and no scan.
      const headerless = Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x04, 0x41, 0x42, 0xff, 0xd9]);
      for (let i = 0; i < 3; i++) writeSync(writer, headerless);
      writeSync(writer, good);
      await waitUntil('corrupt drops rising on /metrics', async () => (await dropped(port, 'corrupt')) >= before + 3);
      expect(camera.stats().dropped.error).toBe(0);
    } finally {
      closeSync(writer);
    }
  });

  it('error: a raw frame the writer cuts short is dropped', async () => {
    const path = fifo('error.fifo');
    const camera = await openCamera({ source: path, format: 'i420', width: 32, height: 16 });
    const port = await served(camera);
    camera.on('error', () => {}); // the writer closing ends the source; the server stays
    const writer = openSync(path, 'w');
    const frame = 32 * 16 * 1.5;
    writeSync(writer, Buffer.alloc(frame, 128));
    await waitUntil('the whole frame', () => camera.stats().delivered > 0);
    const before = await dropped(port, 'error');
    writeSync(writer, Buffer.alloc(frame / 2, 128));
    closeSync(writer);
    await waitUntil('error drops rising on /metrics', async () => (await dropped(port, 'error')) > before);
    expect(camera.stats().dropped.corrupt).toBe(0);
  });
});
