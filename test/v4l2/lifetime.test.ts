// The Camera's lifetimes on a real V4L2 device, which one file handle streams at a time: while a
// Camera streams, another open is EBUSY; once `await using` leaves its scope or the Camera's
// signal aborts, the device opens again at once and streams.
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import { takeFrames } from '../helpers/camera.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';
import { waitFor } from '../helpers/wait.js';

const unavailable = await vividUnavailable();
const SIZE = { width: 320, height: 180 } as const;

describe.skipIf(unavailable !== null)('V4L2 lifetimes', () => {
  it('`await using` releases the device at the end of the scope: reopened at once', async () => {
    {
      await using camera = await openCamera({ source: DEVICE, ...SIZE });
      expect((await takeFrames(camera, 2)).length).toBe(2);
      // Held: a second Camera cannot stream the device meanwhile.
      await expect(openCamera({ source: DEVICE, ...SIZE })).rejects.toMatchObject({ code: 'EBUSY', path: DEVICE });
    }
    await using again = await openCamera({ source: DEVICE, ...SIZE });
    expect((await takeFrames(again, 2)).length).toBe(2);
  });

  it('an aborted signal releases the device: reopened at once', async () => {
    const controller = new AbortController();
    const camera = await openCamera({ source: DEVICE, ...SIZE, signal: controller.signal });
    expect((await takeFrames(camera, 2)).length).toBe(2);
    const closed = waitFor(camera, 'close');
    controller.abort();
    await closed;
    await using again = await openCamera({ source: DEVICE, ...SIZE });
    expect((await takeFrames(again, 2)).length).toBe(2);
    await expect(openCamera({ source: DEVICE, ...SIZE, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});
