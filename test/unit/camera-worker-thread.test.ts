// A Camera in a worker thread: frames reach the worker's own event loop (the wake-up of
// napi/js_wake.h belongs to the loop that opened the camera), close() ends them there, and a
// worker that ends with a camera still open takes its wake-up down with its loop instead of
// crashing the process or keeping it alive. The built package (dist/) runs in the worker.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

// Opens testsrc, takes 3 frames, reports them with the worker's thread id; then closes the camera
// (CLOSE=1) or leaves it open, and says so.
const WORKER = `
const { parentPort, threadId } = require('node:worker_threads');
import(process.env.TURBOCAM_DIST).then(async ({ openCamera }) => {
  const camera = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 30, workers: 1 });
  const sequences = [];
  camera.on('frame', (frame) => {
    sequences.push(frame.sequence);
    if (sequences.length === 3) parentPort.postMessage({ threadId, sequences });
  });
  parentPort.on('message', async (what) => {
    if (what !== 'close') return;
    await camera.close();
    const after = sequences.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    parentPort.postMessage({ closed: true, framesAfterClose: sequences.length - after });
  });
});
`;

function startWorker(): { worker: Worker; next: () => Promise<Record<string, unknown>> } {
  const worker = new Worker(WORKER, { eval: true, env: { ...process.env, TURBOCAM_DIST: DIST } });
  const inbox: Array<Record<string, unknown>> = [];
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  worker.on('message', (message: Record<string, unknown>) => {
    const resolve = waiting.shift();
    if (resolve) resolve(message);
    else inbox.push(message);
  });
  const next = (): Promise<Record<string, unknown>> => {
    const queued = inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      waiting.push(resolve);
      worker.once('error', reject);
    });
  };
  return { worker, next };
}

describe('Camera in a worker thread', () => {
  it("delivers frames on the worker's loop, and close() stops them there", async () => {
    const { worker, next } = startWorker();
    const first = await next();
    expect(first.threadId).toBe(worker.threadId);
    expect(first.sequences).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
    const [a, b, c] = first.sequences as number[];
    expect(a! < b! && b! < c!).toBe(true);
    worker.postMessage('close');
    expect(await next()).toEqual({ closed: true, framesAfterClose: 0 });
    expect(await worker.terminate()).toBe(1);
  }, 20_000);

  it('a worker ended with its camera open goes down cleanly, and cameras still open elsewhere', async () => {
    const { worker, next } = startWorker();
    expect((await next()).sequences).toHaveLength(3);
    // The worker's environment is torn down under a live pipeline: its wake-up is closed by the
    // teardown hook, and the native threads that still send to it find it closed.
    let exited = false;
    worker.on('exit', () => (exited = true));
    await worker.terminate();
    expect(exited).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await using camera = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 30, workers: 1 });
    const frame = await new Promise<{ sequence: number }>((resolve) => camera.once('frame', resolve));
    expect(frame.sequence).toBeGreaterThanOrEqual(0);
  }, 20_000);
});
