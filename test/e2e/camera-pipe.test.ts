// Pipe sources end to end with ffmpeg as the writer: raw I420 and MJPEG through a FIFO, a file
// and stdin (a child process reading its stdin, as `ffmpeg ... | turbocam` would).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { DIST, ensureBuilt } from '../helpers/cli.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-pipe-'));
const BARS = ['-f', 'lavfi', '-i', 'pal75bars=size=320x240:rate=25'];

function ffmpeg(args: string[]) {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const open: Camera[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((camera) => camera.close()));
});

/** Frames until the source ends (the writer closed: ERR_END_OF_STREAM). */
function collectUntilEnd(camera: Camera): Promise<{ frames: Frame[]; end: Error & { code: string } }> {
  const frames: Frame[] = [];
  camera.on('frame', (frame: Frame) => frames.push(frame));
  return new Promise((resolve) => camera.once('error', (end: Error & { code: string }) => resolve({ frames, end })));
}

function expectInOrder(frames: Frame[]): void {
  for (let i = 1; i < frames.length; i++) expect(frames[i]!.sequence).toBeGreaterThan(frames[i - 1]!.sequence);
}

describe('FIFO and file sources', () => {
  it('reads raw i420 frames from a FIFO', async () => {
    const fifo = join(dir, 'raw.fifo');
    execFileSync('mkfifo', [fifo]);
    const camera = await openCamera({ source: fifo, format: 'i420', width: 320, height: 240 });
    open.push(camera);
    expect(camera.info).toMatchObject({ kind: 'pipe', name: fifo, format: 'i420', width: 320, height: 240 });
    const done = collectUntilEnd(camera);
    ffmpeg([...BARS, '-frames:v', '20', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', fifo]);
    const { frames, end } = await done;
    expect(end.code).toBe('ERR_END_OF_STREAM');
    expect(frames.length).toBeGreaterThan(0);
    expectInOrder(frames);
    // A pipe keeps every frame its writer gave in full: all 20 delivered, in order, none dropped.
    expect(frames.map((f) => f.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(camera.stats()).toMatchObject({ delivered: 20, dropped: { busy: 0, late: 0, corrupt: 0, error: 0 } });
    const image = decodeJpeg(frames.at(-1)!.data);
    expect([image.width, image.height]).toEqual([320, 240]);
    expect(colourBarMismatches(image, 0.1, 0.9)).toEqual([]);
  });

  it('accounts for every raw frame of a FIFO while the machine is loaded', async () => {
    // Busy loops on every core plus a JS thread that is busy most of the time: workers finish out
    // of order and JS takes frames late, yet a pipe loses none (it once lost one as late).
    const burners = Array.from({ length: 3 }, () => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
    const hog = setInterval(() => {
      const until = Date.now() + 15;
      while (Date.now() < until);
    }, 20);
    try {
      const fifo = join(dir, 'loaded.fifo');
      execFileSync('mkfifo', [fifo]);
      const camera = await openCamera({ source: fifo, format: 'i420', width: 320, height: 240 });
      open.push(camera);
      const done = collectUntilEnd(camera);
      ffmpeg([...BARS, '-frames:v', '60', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', fifo]);
      const { frames, end } = await done;
      expect(end.code).toBe('ERR_END_OF_STREAM');
      expect(frames.map((f) => f.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(camera.stats()).toMatchObject({ captured: 60, delivered: 60, dropped: { busy: 0, late: 0, corrupt: 0, error: 0 } });
    } finally {
      clearInterval(hog);
      for (const burner of burners) burner.kill('SIGKILL');
    }
  }, 60_000);

  it('accounts for every one of 500 tiny frames written at once, with two buffers and a busy JS thread', async () => {
    const hog = setInterval(() => {
      const until = Date.now() + 3;
      while (Date.now() < until);
    }, 4);
    try {
      const fifo = join(dir, 'burst.fifo');
      execFileSync('mkfifo', [fifo]);
      const camera = await openCamera({ source: fifo, format: 'i420', width: 32, height: 16, workers: 2, buffers: 2 });
      open.push(camera);
      const done = collectUntilEnd(camera);
      // The writer outruns everything: most frames are dropped, none unaccounted.
      writeFileSync(fifo, Buffer.alloc(32 * 16 * 1.5 * 500, 128));
      const { end } = await done;
      expect(end.code).toBe('ERR_END_OF_STREAM');
      const stats = camera.stats();
      const dropped = stats.dropped.busy + stats.dropped.late + stats.dropped.corrupt + stats.dropped.error + (stats.dropped.paused ?? 0);
      expect(stats.delivered + dropped).toBe(500);
      expect(stats.delivered).toBeGreaterThan(0);
    } finally {
      clearInterval(hog);
    }
  });

  it('splits concatenated MJPEG from a FIFO and passes the JPEGs through', async () => {
    const fifo = join(dir, 'mjpeg.fifo');
    execFileSync('mkfifo', [fifo]);
    const camera = await openCamera({ source: fifo, format: 'mjpeg' });
    open.push(camera);
    const done = collectUntilEnd(camera);
    ffmpeg([...BARS, '-frames:v', '15', '-q:v', '3', '-f', 'mjpeg', fifo]);
    const { frames, end } = await done;
    expect(end.code).toBe('ERR_END_OF_STREAM');
    expect(frames.length).toBeGreaterThan(0);
    expectInOrder(frames);
    const stats = camera.stats();
    expect(stats.captured).toBe(15);
    expect(stats.encodeMs).toBe(0);
    expect(camera.info).toMatchObject({ kind: 'pipe', format: 'mjpeg', width: 320, height: 240 });
    for (const frame of frames) {
      expect(frame).toMatchObject({ format: 'mjpeg', width: 320, height: 240 });
      const image = decodeJpeg(frame.data);
      expect([image.width, image.height]).toEqual([320, 240]);
    }
    expect(colourBarMismatches(decodeJpeg(frames.at(-1)!.data), 0.1, 0.9)).toEqual([]);
  });

  it('fails with ETIMEDOUT when the writer stays connected but sends nothing for deviceTimeout', async () => {
    const fifo = join(dir, 'quiet.fifo');
    execFileSync('mkfifo', [fifo]);
    const camera = await openCamera({ source: fifo, format: 'i420', width: 32, height: 16, deviceTimeout: 500 });
    open.push(camera);
    const done = collectUntilEnd(camera);
    // One frame, then silence with the write end held open: not an end of stream, a stall.
    const writer = openSync(fifo, 'w');
    try {
      writeSync(writer, Buffer.alloc(32 * 16 * 1.5, 128));
      const { frames, end } = await done;
      expect(frames).toHaveLength(1);
      expect(end).toMatchObject({ code: 'ETIMEDOUT', path: fifo, message: expect.stringContaining('no input for 500 ms') });
    } finally {
      closeSync(writer);
    }
  });

  it('reads an MJPEG file paced at the requested fps', async () => {
    const file = join(dir, 'clip.mjpeg');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...BARS, '-frames:v', '10', '-f', 'mjpeg', file]);
    const camera = await openCamera({ source: file, format: 'mjpeg', fps: 20 });
    open.push(camera);
    const { frames, end } = await collectUntilEnd(camera);
    expect(end.code).toBe('ERR_END_OF_STREAM');
    // All ten are read; a loaded JS thread may miss some (latest frame wins, each one counted).
    const stats = camera.stats();
    expect(stats.captured).toBe(10);
    expect(frames.length + stats.dropped.busy + stats.dropped.late).toBe(10);
    const sequences = frames.map((f) => f.sequence);
    expect(sequences.every((s, i) => s >= 0 && s <= 9 && (i === 0 || s > sequences[i - 1]!))).toBe(true);
    expect(sequences.at(-1)).toBe(9);
    // Paced: the first and last of ten frames at 20 fps are at least 400 ms apart in capture time.
    expect(frames.at(-1)!.timestamp - frames[0]!.timestamp).toBeGreaterThan(((sequences.at(-1)! - sequences[0]!) * 1000) / 20 - 50);
  });

  it('skips garbage between JPEGs and keeps going', async () => {
    const clip = join(dir, 'clip2.mjpeg');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...BARS, '-frames:v', '3', '-f', 'mjpeg', clip]);
    const jpegs = readFileSync(clip);
    const noisy = join(dir, 'noisy.mjpeg');
    writeFileSync(noisy, Buffer.concat([Buffer.from('garbage'), jpegs, Buffer.from([0xff, 0x00, 0x12]), jpegs]));
    const camera = await openCamera({ source: noisy, format: 'mjpeg', fps: 50 });
    open.push(camera);
    const { frames } = await collectUntilEnd(camera);
    expect(frames.length).toBe(6);
    for (const frame of frames) expect(decodeJpeg(frame.data).width).toBe(320);
  });
});

describe('stdin', () => {
  let child: string;
  beforeAll(() => {
    // The child imports the compiled library, as a user's script would.
    ensureBuilt();
    child = join(dir, 'stdin-reader.mjs');
    writeFileSync(
      child,
      `import { openCamera } from ${JSON.stringify(join(DIST, 'index.js'))};
const options = JSON.parse(process.argv[2]);
const camera = await openCamera({ source: 'stdin', ...options });
const frames = [];
camera.on('frame', (f) => frames.push(f));
camera.on('error', async (error) => {
  const last = frames.at(-1);
  process.stdout.write(JSON.stringify({ info: camera.info, code: error.code, sequences: frames.map((f) => f.sequence),
    last: last ? last.data.toString('base64') : null }));
  await camera.close();
});
`,
    );
  }, 120_000);

  function run(writer: string[], options: object): Promise<{ info: { format: string }; code: string; sequences: number[]; last: string }> {
    return new Promise((resolvePromise, reject) => {
      // The environment as it is: under scripts/sanitize.sh the child loads the same (sanitized)
      // addon as this process, through TURBOCAM_ADDON.
      const reader = spawn(process.execPath, [child, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const source = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...writer, '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
      source.stdout.pipe(reader.stdin);
      let out = '';
      reader.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      reader.on('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`reader exited ${code}: ${out}`))));
    });
  }

  it('reads MJPEG from stdin (ffmpeg -f mjpeg -)', async () => {
    const result = await run([...BARS, '-frames:v', '12', '-f', 'mjpeg'], {});
    expect(result.info.format).toBe('mjpeg');
    expect(result.code).toBe('ERR_END_OF_STREAM');
    expect(result.sequences.length).toBeGreaterThan(0);
    expect(colourBarMismatches(decodeJpeg(Buffer.from(result.last, 'base64')), 0.1, 0.9)).toEqual([]);
  });

  it('reads raw yuv420 from stdin (rpicam-vid --codec yuv420 style)', async () => {
    const result = await run([...BARS, '-frames:v', '12', '-pix_fmt', 'yuv420p', '-f', 'rawvideo'], {
      format: 'i420',
      width: 320,
      height: 240,
    });
    expect(result.info.format).toBe('i420');
    expect(result.sequences.length).toBeGreaterThan(0);
    const image = decodeJpeg(Buffer.from(result.last, 'base64'));
    expect([image.width, image.height]).toEqual([320, 240]);
    expect(colourBarMismatches(image, 0.1, 0.9)).toEqual([]);
  });
});
