// Pausing a Camera (what the hub does when nobody watches): frames are still captured and given
// back, none is encoded or delivered; resuming delivers again with the sequence moving on.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { closesCameras, pauseSettled } from '../helpers/camera.js';
import { decodeJpeg } from '../helpers/colour-bars.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

const closing = closesCameras();
const nextFrame = (camera: Camera, timeoutMs?: number): Promise<Frame> => waitFor<Frame>(camera, 'frame', timeoutMs);

describe('Camera pause / resume', () => {
  it('captures but encodes nothing while paused, and delivers again on resume', async () => {
    const camera = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 40, workers: 2 });
    closing(camera);
    const before = await nextFrame(camera);
    expect(camera.stats().paused).toBe(false);

    await pauseSettled(camera, 100);
    let deliveredWhilePaused = 0;
    camera.on('frame', () => deliveredWhilePaused++);
    const paused = camera.stats();
    expect(paused.paused).toBe(true);
    await waitUntil('more than 10 frames captured while paused', () => camera.stats().captured - paused.captured > 10);
    const later = camera.stats();
    expect(later.encoded).toBe(paused.encoded);
    expect(later.delivered).toBe(paused.delivered);
    expect(deliveredWhilePaused).toBe(0);
    // The source kept running, and every frame it captured while paused is counted.
    expect(later.captured - paused.captured).toBeGreaterThan(10);
    // (Two counters read without a lock: one frame may be between them.)
    const skipped = (later.dropped.paused ?? 0) - (paused.dropped.paused ?? 0);
    expect(Math.abs(skipped - (later.captured - paused.captured))).toBeLessThanOrEqual(1);

    camera.resume();
    const after = await nextFrame(camera);
    expect(after.sequence).toBeGreaterThan(before.sequence);
    expect(after.timestamp).toBeGreaterThan(before.timestamp);
    const image = decodeJpeg(after.data);
    expect([image.width, image.height]).toEqual([160, 120]);
    const resumed = camera.stats();
    expect(resumed.paused).toBe(false);
    expect(resumed.encoded).toBeGreaterThan(later.encoded);
  });

  it('a persistent camera whose source is absent at open starts disconnected and connects when it appears', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'turbocam-await-')), 'later.mjpeg');
    const camera = closing(await openCamera({ source: fifo, format: 'mjpeg', persistent: true, retryInterval: 100 }));
    expect(camera.connected).toBe(false);
    expect(camera.info).toMatchObject({ kind: 'pipe', name: fifo });
    const reconnected = waitFor(camera, 'reconnect');
    const frame = nextFrame(camera);
    execFileSync('mkfifo', [fifo]);
    const writer = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=176x144:rate=10',
        '-frames:v',
        '30',
        '-f',
        'mjpeg',
        fifo,
      ],
      { stdio: 'ignore' },
    );
    try {
      await reconnected;
      expect(camera.connected).toBe(true);
      const image = decodeJpeg((await frame).data);
      expect([image.width, image.height]).toEqual([176, 144]);
    } finally {
      writer.kill();
    }
  });

  it('without persistent, an absent source still rejects with its code', async () => {
    await expect(openCamera({ source: '/nonexistent/turbocam.fifo', format: 'mjpeg' })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
