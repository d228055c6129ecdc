// vivid's fault injection: an unplug (disconnect, then a module reload as the replug), a refused
// QBUF, a fatal streaming error and a device that stops delivering, with and without persistent
// mode.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera, OpenCameraOptions } from '../../src/index.js';
import type { SourceInfo } from '../../src/sources/source.js';
import type { Frame } from '../../src/types.js';
import { DEVICE, reloadVivid, v4l2ctl, vividUnavailable } from '../helpers/vivid.js';
import { waitFor } from '../helpers/wait.js';

const unavailable = await vividUnavailable();

const open: Camera[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((camera) => camera.close()));
  if (unavailable === null) {
    // An unplugged vivid keeps its node but answers ENODEV: replug it for the next test.
    try {
      v4l2ctl('percentage_of_dropped_buffers=0');
    } catch {
      await replug();
    }
  }
});

async function camera(options: Partial<OpenCameraOptions> = {}): Promise<Camera> {
  const cam = await openCamera({ source: DEVICE, width: 320, height: 180, fps: 30, ...options });
  open.push(cam);
  return cam;
}

function framesOf(cam: Camera): Frame[] {
  const frames: Frame[] = [];
  cam.on('frame', (frame: Frame) => frames.push(frame));
  return frames;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reloads vivid once the camera has let go of the device (rmmod refuses while it is open). */
async function replug(): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      reloadVivid();
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe.skipIf(unavailable !== null)('V4L2 faults', () => {
  it('reports an unplug as an error with ENODEV and stops when not persistent', async () => {
    const cam = await camera();
    const frames = framesOf(cam);
    await until(() => frames.length > 0, 10_000, 'a first frame');
    const failed = waitFor<Error & { code: string }>(cam, 'error', 15_000);
    v4l2ctl('disconnect=1');
    const error = await failed;
    expect(error.code).toBe('ENODEV');
    expect(error).toMatchObject({ path: DEVICE });
    const count = frames.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(frames.length).toBe(count);
  });

  it('survives an unplug in persistent mode: disconnect, then reconnect after the replug', async () => {
    const cam = await camera({ persistent: true, retryInterval: 200 });
    const frames = framesOf(cam);
    await until(() => frames.length > 2, 10_000, 'first frames');
    const disconnected = waitFor<Error & { code: string }>(cam, 'disconnect', 15_000);
    v4l2ctl('disconnect=1');
    expect((await disconnected).code).toBe('ENODEV');
    const before = frames.length;
    const lastSequence = frames.at(-1)!.sequence;

    const reconnected = waitFor<SourceInfo>(cam, 'reconnect', 30_000);
    await replug();
    const info = await reconnected;
    expect(info).toMatchObject({ kind: 'v4l2', name: DEVICE, width: 320, height: 180 });
    await until(() => frames.length > before + 2, 10_000, 'frames after the reconnect');
    const after = frames.slice(before);
    expect(after[0]!.sequence).toBeGreaterThan(lastSequence);
    expect(cam.stats().delivered).toBe(frames.length);
  });

  it('survives a refused VIDIOC_QBUF: the buffer is queued again and frames keep coming', async () => {
    const cam = await camera();
    const frames = framesOf(cam);
    let failure: unknown = null;
    cam.on('error', (error) => (failure = error));
    await until(() => frames.length > 2, 10_000, 'first frames');
    const errorsBefore = cam.stats().dropped.error;
    v4l2ctl('inject_vidioc_qbuf_error=1');
    const before = frames.length;
    await until(() => frames.length > before + 10, 15_000, 'frames after the refused QBUF');
    expect(failure).toBeNull();
    expect(cam.stats().dropped.error).toBeGreaterThan(errorsBefore);
  });

  it('reports a fatal streaming error with a code, and recovers from it in persistent mode', async () => {
    const plain = await camera();
    const plainFrames = framesOf(plain);
    await until(() => plainFrames.length > 0, 10_000, 'a first frame');
    const failed = waitFor<Error & { code: string }>(plain, 'error', 15_000);
    v4l2ctl('inject_fatal_streaming_error=1');
    expect((await failed).code).toBe('EIO');

    const cam = await camera({ persistent: true, retryInterval: 200 });
    const frames = framesOf(cam);
    await until(() => frames.length > 0, 10_000, 'a first frame');
    const disconnected = waitFor<Error & { code: string }>(cam, 'disconnect', 15_000);
    const reconnected = waitFor<SourceInfo>(cam, 'reconnect', 15_000);
    v4l2ctl('inject_fatal_streaming_error=1');
    expect((await disconnected).code).toBe('EIO');
    await reconnected;
    const before = frames.length;
    await until(() => frames.length > before + 2, 10_000, 'frames after the reconnect');
  });

  it('times out with ETIMEDOUT when the device stops delivering', async () => {
    const cam = await camera({ deviceTimeout: 1500 });
    const frames = framesOf(cam);
    await until(() => frames.length > 0, 10_000, 'a first frame');
    const failed = waitFor<Error & { code: string }>(cam, 'error', 20_000);
    v4l2ctl('percentage_of_dropped_buffers=100');
    const error = await failed;
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toContain('1500 ms');
  });

  it('rides out a stall in persistent mode: ETIMEDOUT as a disconnect, then frames again', async () => {
    const cam = await camera({ deviceTimeout: 1500, persistent: true, retryInterval: 200 });
    const frames = framesOf(cam);
    let failed = false;
    cam.on('error', () => (failed = true));
    await until(() => frames.length > 0, 10_000, 'a first frame');
    const disconnected = waitFor<Error & { code: string }>(cam, 'disconnect', 20_000);
    v4l2ctl('percentage_of_dropped_buffers=100');
    expect((await disconnected).code).toBe('ETIMEDOUT');
    const reconnected = waitFor(cam, 'reconnect', 30_000);
    v4l2ctl('percentage_of_dropped_buffers=0');
    await reconnected;
    const before = frames.length;
    await until(() => frames.length > before + 2, 20_000, 'frames after the stall');
    expect(failed).toBe(false);
  });

  it('waits out EBUSY in persistent mode: open while another process streams, frames once it stops', async () => {
    const other = spawn('v4l2-ctl', ['-d', DEVICE, '--stream-mmap', '--stream-count=100000', '--stream-to=/dev/null'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let progress = '';
    other.stdout.on('data', (chunk: Buffer) => (progress += chunk.toString()));
    other.stderr.on('data', (chunk: Buffer) => (progress += chunk.toString()));
    try {
      await until(() => progress.includes('<'), 60_000, 'v4l2-ctl streaming');
      const cam = await camera({ persistent: true, retryInterval: 200 });
      expect(cam.connected).toBe(false);
      const reconnected = waitFor(cam, 'reconnect', 30_000);
      const frames = framesOf(cam);
      other.kill();
      await reconnected;
      await until(() => frames.length > 0, 20_000, 'a frame once the device is free');
    } finally {
      other.kill();
    }
  });
});

if (unavailable !== null) {
  describe('V4L2 faults', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
