// "Encode nothing when nobody watches", through the real CLI: with no viewer for longer than
// --pause-after the source stops encoding (captures go on), a new viewer gets frames again at once,
// and /snapshot while paused still answers with a fresh frame.
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startCli, type RunningCli } from '../helpers/cli.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface SourceState {
  paused: boolean;
  captured: number;
  encoded: number;
  dropped: { paused: number };
}

let cli: RunningCli;

async function sourceState(): Promise<SourceState> {
  const answer = await fetchRaw({ port: cli.port }, '/state');
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body.toString()) as { result: { source: SourceState } }).result.source;
}

/** Waits until /state says paused, then checks that encoding really stands still. */
async function expectPausedAndFlat(): Promise<SourceState> {
  const deadline = Date.now() + 5000;
  while (!(await sourceState()).paused) {
    if (Date.now() > deadline) throw new Error('the source never paused');
    await sleep(100);
  }
  // A frame a worker held at the pause may still land: let it.
  await sleep(200);
  const first = await sourceState();
  await sleep(700);
  const second = await sourceState();
  expect(second.paused).toBe(true);
  expect(second.encoded).toBe(first.encoded);
  expect(second.captured).toBeGreaterThan(first.captured);
  expect(second.dropped.paused).toBeGreaterThan(first.dropped.paused);
  return second;
}

beforeAll(async () => {
  ensureBuilt();
  cli = await startCli([
    '--source',
    'testsrc',
    '--resolution',
    '320x240',
    '--fps',
    '20',
    '--workers',
    '1',
    '--port',
    '0',
    '--pause-after',
    '0.4',
  ]);
});

afterAll(async () => {
  await cli.stop();
});

describe('idle pause (CLI)', () => {
  it('stops encoding without viewers and streams again as soon as one connects', async () => {
    const idle = await expectPausedAndFlat();
    const metrics = (await fetchRaw({ port: cli.port }, '/metrics')).body.toString();
    expect(metrics).toMatch(/^turbocam_source_paused\{[^}]*\} 1$/m);
    expect(metrics).toMatch(/^turbocam_frames_dropped_total\{[^}]*reason="paused"\} [1-9]\d*$/m);

    const viewer = new StrictMjpegClient({ port: cli.port });
    try {
      const connectedAt = Date.now();
      await viewer.waitForParts(3, 2000);
      const part = viewer.parts.at(-1)!;
      expect(part.receivedAt - connectedAt).toBeLessThan(2000);
      expect(jpeg.decode(part.body).width).toBe(320);
      const watched = await sourceState();
      expect(watched.paused).toBe(false);
      expect(watched.encoded).toBeGreaterThan(idle.encoded);
    } finally {
      viewer.close();
    }
  });

  it('answers /snapshot while paused with a freshly encoded frame', async () => {
    const idle = await expectPausedAndFlat();
    const askedAt = Number(process.hrtime.bigint()) / 1e6;
    const answer = await fetchRaw({ port: cli.port }, '/snapshot');
    expect(answer.status).toBe(200);
    expect(jpeg.decode(answer.body).width).toBe(320);
    // Encoded after the pause: the snapshot woke the source rather than serving a stale frame.
    const after = await sourceState();
    expect(after.encoded).toBeGreaterThan(idle.encoded);
    // Captured after the request came in (X-Timestamp is CLOCK_MONOTONIC, as hrtime here).
    expect(Number(answer.headers['x-timestamp']) * 1000).toBeGreaterThan(askedAt);
  });
});
