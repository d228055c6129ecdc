// Device-side hardening inside the VM harness: 100 open/close cycles, a disconnect while
// streaming, and the vivid driver reloaded while streaming. The process must survive each, and
// free every buffer: file descriptors, the device's mmap'd buffers (/proc/self/maps) and the
// leases of the camera's own JPEG pool all return to where they started.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { closesCameras, takeFrames } from '../helpers/camera.js';
import { collect } from '../helpers/memory.js';
import { DEVICE, reloadVivid, v4l2ctl, vividUnavailable } from '../helpers/vivid.js';
import { sleep, waitFor, waitUntil } from '../helpers/wait.js';

const unavailable = await vividUnavailable();

const closing = closesCameras();

/** What each open fd points at: compared as a sorted list, so a failure shows the leaked ones. */
function openFds(): string[] {
  const targets: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      targets.push(readlinkSync(`/proc/self/fd/${fd}`).replace(/\d+/g, 'N'));
    } catch {
      // The directory's own fd, gone by now.
    }
  }
  return targets.sort();
}

function deviceMappings(): number {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.includes('/dev/video')).length;
}

async function frames(camera: Camera, count: number): Promise<number> {
  let seen = 0;
  for await (const frame of camera) {
    expect(frame.data[0]).toBe(0xff);
    if (++seen >= count) break;
  }
  return seen;
}

/** Resources settle once finalizers of the last frames have run. */
async function settle(): Promise<void> {
  await collect();
  await sleep(50);
}

/**
 * Every lease of the camera's own JPEG pool comes back once it is paused (nothing new is
 * encoded) and the frames JS was given are collected. A lease lost on any path keeps it above 0.
 */
async function poolDrained(camera: Camera): Promise<void> {
  camera.pause();
  await waitUntil('the camera pool has no lease out', async () => {
    await collect();
    return camera.stats().pool?.leased === 0;
  });
  camera.resume();
}

/** Reloads vivid, retrying while the module is still held by a closing device. */
async function reloadWhenFree(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      reloadVivid();
      return;
    } catch (error) {
      if (attempt >= 50) throw error;
      await sleep(200);
    }
  }
}

describe.skipIf(unavailable !== null)('V4L2 hardening (vivid)', () => {
  it('100 open/close cycles leave no fd, mapping or pool lease behind', async () => {
    // One cycle first: Node and the addon set up their threads and polling fds once, lazily.
    const first = await openCamera({ source: DEVICE, format: 'yuyv', width: 320, height: 180, fps: 60, workers: 1 });
    await frames(first, 2);
    await first.close();
    await settle();
    const fds = openFds();
    for (let i = 0; i < 100; i++) {
      const camera = await openCamera({ source: DEVICE, format: 'yuyv', width: 320, height: 180, fps: 60, workers: 1 });
      if (i % 10 === 0) {
        // Two frames held by JS hold two leases; released and collected, they give them back.
        let held: Frame[] = await takeFrames(camera, 2);
        expect(held.every((frame) => frame.data[0] === 0xff)).toBe(true);
        expect(camera.stats().pool?.leased).toBeGreaterThanOrEqual(2);
        held = [];
        await poolDrained(camera);
      }
      await camera.close();
    }
    await settle();
    expect(openFds()).toEqual(fds);
    expect(deviceMappings()).toBe(0);
  });

  it('a disconnect while streaming stops the camera with an error, and frees everything', async () => {
    const fds = openFds();
    const camera = await openCamera({ source: DEVICE, format: 'yuyv', width: 320, height: 180, fps: 30, workers: 1 });
    closing(camera);
    const failed = waitFor<Error & { code?: string }>(camera, 'error', 10_000);
    await frames(camera, 3);
    v4l2ctl('disconnect=1');
    let error: Error & { code?: string };
    try {
      error = await failed;
      await camera.close();
      await settle();
    } finally {
      // The device comes back after a replug (for the tests that follow, too).
      await reloadWhenFree();
    }
    expect(error).toBeInstanceOf(Error);
    expect(typeof error.code).toBe('string');
    expect(deviceMappings()).toBe(0);
    expect(openFds()).toEqual(fds);
    const again = await openCamera({ source: DEVICE, format: 'yuyv', width: 320, height: 180, fps: 30, workers: 1 });
    closing(again);
    expect(await frames(again, 2)).toBe(2);
  });

  it('the driver reloaded while a persistent camera streams: it reconnects, and buffers are not leaked', async () => {
    const fds = openFds();
    const camera = await openCamera({
      source: DEVICE,
      format: 'yuyv',
      width: 320,
      height: 180,
      fps: 30,
      workers: 1,
      persistent: true,
      retryInterval: 200,
      deviceTimeout: 1000,
    });
    closing(camera);
    await frames(camera, 3);
    const mappingsStreaming = deviceMappings();
    expect(mappingsStreaming).toBeGreaterThan(0);
    for (let round = 0; round < 3; round++) {
      const disconnected = waitFor(camera, 'disconnect', 10_000);
      const reconnected = waitFor(camera, 'reconnect', 20_000);
      // An unplug: vivid drops the device; the camera lets go of it, so the module can be reloaded.
      v4l2ctl('disconnect=1');
      await disconnected;
      await reloadWhenFree();
      await reconnected;
      expect(await frames(camera, 3)).toBe(3);
      // Each reconnection maps the new device's buffers and unmaps the old ones.
      expect(deviceMappings()).toBe(mappingsStreaming);
      await poolDrained(camera);
    }
    await camera.close();
    await settle();
    expect(deviceMappings()).toBe(0);
    expect(openFds()).toEqual(fds);
  });

  it('unloading the driver under an open, streaming device is refused and the stream goes on', async () => {
    const camera = await openCamera({ source: DEVICE, format: 'yuyv', width: 320, height: 180, fps: 30, workers: 1 });
    closing(camera);
    await frames(camera, 2);
    // The open device holds the module: modprobe -r fails, and must not disturb the capture.
    expect(() => reloadVivid()).toThrow(/Module vivid is in use/);
    expect(await frames(camera, 3)).toBe(3);
  });
});
