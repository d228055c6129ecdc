// The Camera's lifetime: `await using` closes it at the end of its scope (its FIFO's descriptor
// gone before the next line, and the FIFO opened again at once), an AbortSignal closes it, and an
// already-aborted one rejects with ERR_ABORTED without opening anything.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCamera, TurbocamError } from '../../src/index.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-lifetime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fdsOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

describe('Camera lifetime', () => {
  it('`await using` closes the source at the end of the scope, and it opens again at once', async () => {
    const fifo = join(dir, 'using.fifo');
    execFileSync('mkfifo', [fifo]);
    let closed = 0;
    {
      await using camera = await openCamera({ source: fifo, format: 'mjpeg' });
      camera.on('close', () => (closed += 1));
      expect(fdsOn(fifo)).toBe(1);
    }
    expect(closed).toBe(1);
    expect(fdsOn(fifo)).toBe(0);
    {
      await using again = await openCamera({ source: fifo, format: 'mjpeg' });
      expect(again.connected).toBe(true);
      expect(fdsOn(fifo)).toBe(1);
    }
    expect(fdsOn(fifo)).toBe(0);
  });

  it('an abort closes an open camera (close event, source released, frames stop)', async () => {
    const controller = new AbortController();
    const camera = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 30, workers: 1, signal: controller.signal });
    await waitFor(camera, 'frame');
    const closed = waitFor(camera, 'close');
    controller.abort();
    await closed;
    expect(camera.connected).toBe(false);
    await expect(camera.controls.list()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    // A later close() (as `await using` would make) is a no-op, not an error.
    await camera.close();

    const fifo = join(dir, 'abort.fifo');
    execFileSync('mkfifo', [fifo]);
    const second = new AbortController();
    const piped = await openCamera({ source: fifo, format: 'mjpeg', signal: second.signal });
    expect(fdsOn(fifo)).toBe(1);
    second.abort();
    await waitFor(piped, 'close');
    expect(fdsOn(fifo)).toBe(0);
  });

  it('an already-aborted signal rejects at once with ERR_ABORTED and its reason, opening nothing', async () => {
    const fifo = join(dir, 'aborted.fifo');
    execFileSync('mkfifo', [fifo]);
    const reason = new Error('user gave up');
    const error = await openCamera({ source: fifo, format: 'mjpeg', signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TurbocamError);
    expect(error).toMatchObject({ code: 'ERR_ABORTED', cause: reason });
    expect(fdsOn(fifo)).toBe(0);
    // A persistent camera waiting for an absent source is closed by an abort as well.
    const controller = new AbortController();
    const waiting = await openCamera({
      source: join(dir, 'absent.fifo'),
      format: 'mjpeg',
      persistent: true,
      retryInterval: 50,
      signal: controller.signal,
    });
    expect(waiting.connected).toBe(false);
    const closed = waitFor(waiting, 'close');
    controller.abort();
    await closed;
    await expect(openCamera({ source: 'testsrc', signal: 'soon' as unknown as AbortSignal })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
    });
  });
});
