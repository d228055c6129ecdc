// Persistent mode on a FIFO: a writer that closes is a disconnect (ERR_END_OF_STREAM), never an
// error; the next writer's frames come through after a reconnect. (ETIMEDOUT and EBUSY in
// persistent mode are V4L2's: test/v4l2/faults.test.ts.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSync, openCamera, testPattern } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { closesCameras } from '../helpers/camera.js';
import { sleep, waitFor, waitUntil } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-persistent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const closing = closesCameras();
const jpeg = encodeSync(testPattern({ width: 64, height: 48, format: 'yuyv' }), { width: 64, height: 48, format: 'yuyv' });

async function persistentFifo(name: string) {
  const fifo = join(dir, name);
  execFileSync('mkfifo', [fifo]);
  const camera = closing(await openCamera({ source: fifo, format: 'mjpeg', persistent: true, retryInterval: 100 }));
  const frames: Frame[] = [];
  const errors: Error[] = [];
  camera.on('frame', (frame: Frame) => frames.push(frame));
  camera.on('error', (error: Error) => errors.push(error));
  return { fifo, camera, frames, errors };
}

/** A writer: opens the FIFO (off the JS thread: it blocks until the camera reads it), writes `count` JPEGs. */
async function write(fifo: string, count: number): Promise<FileHandle> {
  const handle = await open(fifo, 'w');
  try {
    for (let i = 0; i < count; i++) {
      writeSync(handle.fd, jpeg);
      await sleep(20);
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

describe('persistent FIFO', () => {
  it('rides out the writer closing: a disconnect with ERR_END_OF_STREAM, then the next writer streams', async () => {
    const { fifo, camera, frames, errors } = await persistentFifo('closing.fifo');
    const disconnected = waitFor<Error & { code: string }>(camera, 'disconnect');
    await (await write(fifo, 3)).close();
    await waitUntil('a frame from the first writer', () => frames.length > 0);
    expect((await disconnected).code).toBe('ERR_END_OF_STREAM');
    const reconnected = waitFor(camera, 'reconnect');
    const seen = frames.length;
    // A writer that opens while the old reader is still closing meets EPIPE: it tries again, as a
    // restarted producer would.
    let writer: FileHandle | undefined;
    while (writer === undefined) {
      writer = await write(fifo, 3).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        return undefined;
      });
    }
    await reconnected;
    await waitUntil('a frame from the second writer', () => frames.length > seen);
    await writer.close();
    expect(errors).toEqual([]);
    expect(frames.at(-1)!.data.equals(jpeg)).toBe(true);
  });
});
