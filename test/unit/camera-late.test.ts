// Latest frame wins across workers: a frame that finishes after a newer one was delivered is
// dropped and counted as `dropped.late`, never sent out of order. A burst of MJPEG through a FIFO
// to four workers finishes out of order often; bursts repeat until one shows it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { encodeSync, openCamera, testPattern } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { HANG_MS } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-late-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('drops a frame that finished after a newer one as late, and delivers in sequence order', async () => {
  // JPEGs of different sizes, so the workers take different times over them.
  const jpegs = [64, 640, 96, 1280, 160].map((width) =>
    encodeSync(testPattern({ width, height: (width * 3) / 4, format: 'yuyv' }), { width, height: (width * 3) / 4, format: 'yuyv' }),
  );
  const burst = Buffer.concat(Array.from({ length: 60 }, (_, i) => jpegs[i % jpegs.length]!));
  let late = 0;
  const deadline = Date.now() + HANG_MS * 3;
  for (let round = 0; late === 0; round++) {
    if (Date.now() > deadline) throw new Error(`no late frame in ${round} bursts`);
    const fifo = join(dir, `burst-${round}.fifo`);
    execFileSync('mkfifo', [fifo]);
    const camera = await openCamera({ source: fifo, format: 'mjpeg', workers: 4 });
    const frames: Frame[] = [];
    camera.on('frame', (frame: Frame) => frames.push(frame));
    const ended = new Promise((resolve) => camera.once('error', resolve));
    writeFileSync(fifo, burst);
    await ended;
    const stats = camera.stats();
    await camera.close();
    const sequences = frames.map((f) => f.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(stats.captured).toBe(60);
    expect(stats.delivered + stats.dropped.busy + stats.dropped.late + stats.dropped.corrupt + stats.dropped.error).toBe(60);
    late = stats.dropped.late;
  }
  expect(late).toBeGreaterThan(0);
});
