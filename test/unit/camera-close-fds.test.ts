// close() releases the source's file descriptor at once, not when the GC collects the handle:
// a persistent camera reopening a flaky device (or a FIFO) must not pile descriptors up.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-close-fds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fdsOn(path: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) count += 1;
    } catch {
      // The listing's own fd, already closed.
    }
  }
  return count;
}

describe('camera close', () => {
  it('closes the FIFO it read from before close() resolves, cycle after cycle', async () => {
    const fifo = join(dir, 'frames.fifo');
    execFileSync('mkfifo', [fifo]);
    for (let i = 0; i < 20; i++) {
      const camera = await openCamera({ source: fifo, format: 'mjpeg' });
      camera.on('error', () => undefined);
      expect(fdsOn(fifo)).toBe(1);
      await camera.close();
      expect(fdsOn(fifo)).toBe(0);
    }
  });
});
