// Camera-like MJPEG for the repair tests: ffmpeg's colour bars as separate JPEGs, damaged the
// ways cheap webcams damage them, written into a FIFO at a steady rate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `count` JPEGs of 75 % colour bars with a moving counter, each ending in EOI. */
export function barJpegs(count: number, size = '320x240'): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), 'turbocam-jpegs-'));
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `pal75bars=size=${size}:rate=25`,
    '-frames:v',
    String(count),
    '-q:v',
    '4',
    join(dir, 'f%04d.jpg'),
  ]);
  return readdirSync(dir)
    .sort()
    .map((name) => readFileSync(join(dir, name)));
}

export const withoutEoi = (jpeg: Buffer): Buffer => jpeg.subarray(0, jpeg.length - 2);
export const cutAt =
  (fraction: number) =>
  (jpeg: Buffer): Buffer =>
    jpeg.subarray(0, Math.floor(jpeg.length * fraction));

/** Writes the frames into a FIFO (or file) at `fps`, in a loop until stopped or `rounds` ran
 *  out; resolves with the number of frames written once the write end is closed. */
export function writePaced(path: string, frames: Buffer[], fps: number, rounds = 1): { done: Promise<number>; stop: () => void } {
  let stopped = false;
  const done = new Promise<number>((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (error) {
      reject(error as Error);
      return;
    }
    let written = 0;
    const started = Date.now();
    const tick = (): void => {
      if (stopped || written >= frames.length * rounds) {
        closeSync(fd);
        resolve(written);
        return;
      }
      try {
        writeSync(fd, frames[written % frames.length]!);
      } catch (error) {
        closeSync(fd);
        reject(error as Error);
        return;
      }
      written++;
      // Paced against the start, so a late tick does not slow the rate.
      setTimeout(tick, Math.max(0, started + (written * 1000) / fps - Date.now()));
    };
    tick();
  });
  return { done, stop: () => (stopped = true) };
}
