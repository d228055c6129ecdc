// Raw output (openCamera's `output`): raw frames carry the source's own pixels and metadata, 'raw'
// encodes nothing, 'both' feeds JPEG and raw consumers from one capture, a slow consumer costs
// dropped frames (counted) and a consumer that keeps its buffers runs the small raw pool dry
// (counted) instead of growing memory.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCamera, testPattern, type RawFrame } from '../../src/index.js';
import { RAW_DROP_REASONS } from '../../src/sources/source.js';
import { closesCameras } from '../helpers/camera.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';
import { fetchRaw } from '../helpers/http.js';
import { serverFixture } from '../helpers/server.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

const track = closesCameras();
const servers = serverFixture();
const dir = mkdtempSync(join(tmpdir(), 'turbocam-raw-'));

/** Blocks the JS thread, as a slow pixel consumer does. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

async function rawFrames(
  camera: Awaited<ReturnType<typeof openCamera>>,
  count: number,
  each?: (frame: RawFrame) => void,
): Promise<RawFrame[]> {
  const frames: RawFrame[] = [];
  for await (const frame of camera.rawFrames()) {
    frames.push(frame);
    each?.(frame);
    if (frames.length >= count) break;
  }
  return frames;
}

describe('output option', () => {
  it('rejects an unknown output, and raw output from mjpeg, with stable codes', async () => {
    await expect(openCamera({ source: 'testsrc', output: 'rgb' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: expect.stringContaining('output'),
    });
    await expect(openCamera({ source: 'testsrc', output: 'raw', format: 'mjpeg' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: expect.stringContaining('raw format'),
    });
    // stdin without a declared format carries MJPEG: the source tells, at open (nothing is read).
    await expect(openCamera({ source: 'stdin', output: 'both' })).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED_FORMAT',
      message: expect.stringContaining('raw output needs a raw pixel format'),
    });
  });

  it("defaults to 'jpeg': no raw frames, no raw stats", async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 64, height: 48 }));
    await waitFor(camera, 'frame');
    let raw = 0;
    camera.on('raw', () => raw++);
    await waitFor(camera, 'frame');
    expect(raw).toBe(0);
    expect(camera.stats().raw).toBeUndefined();
  });
});

describe('raw frames', () => {
  it('carry the test pattern exactly, with its geometry, and encode no JPEG at all', async () => {
    const width = 320;
    const height = 240;
    for (const format of ['yuyv', 'nv12', 'grey'] as const) {
      const camera = track(await openCamera({ source: 'testsrc', width, height, format, output: 'raw', workers: 2 }));
      let jpegs = 0;
      camera.on('frame', () => jpegs++);
      const stride = { yuyv: 2 * width, nv12: width, grey: width }[format];
      const size = { yuyv: 2 * width * height, nv12: (width * height * 3) / 2, grey: width * height }[format];
      // Checked and released one by one: a consumer holding all eight would run the pool dry.
      const frames = await rawFrames(camera, 8, (frame) => {
        expect(frame).toMatchObject({ width, height, format, stride });
        expect(frame.data.length).toBe(size);
        // The pattern's animation runs on the source's frame counter, which the sequence follows
        // but for frames the source skipped: the frame is one of the few drawn about then.
        const candidates = Array.from({ length: 8 }, (_, k) => testPattern({ width, height, format, frame: frame.sequence + k }));
        expect(
          candidates.some((pattern) => pattern.equals(frame.data)),
          `${format} frame ${frame.sequence} is the pattern`,
        ).toBe(true);
        frame.release();
      });
      for (let i = 1; i < frames.length; i++) {
        expect(frames[i]!.sequence).toBeGreaterThan(frames[i - 1]!.sequence);
        expect(frames[i]!.timestamp).toBeGreaterThan(frames[i - 1]!.timestamp);
      }
      const stats = camera.stats();
      expect(stats.encoded).toBe(0);
      expect(stats.delivered).toBe(0);
      expect(jpegs).toBe(0);
      expect(stats.raw?.delivered).toBeGreaterThanOrEqual(8);
      expect(Object.keys(stats.raw?.dropped ?? {})).toEqual([...RAW_DROP_REASONS]);
      await camera.close();
    }
  });

  it('from a FIFO are the bytes its writer wrote, every frame, in order', async () => {
    const width = 64;
    const height = 32;
    const frameBytes = width * height * 2;
    const count = 24;
    const fifo = join(dir, 'yuyv.fifo');
    execFileSync('mkfifo', [fifo]);
    const camera = track(await openCamera({ source: fifo, format: 'yuyv', width, height, output: 'raw' }));
    const received: { sequence: number; timestamp: number; stride: number; bytes: Buffer }[] = [];
    camera.on('raw', (frame: RawFrame) => {
      received.push({ sequence: frame.sequence, timestamp: frame.timestamp, stride: frame.stride, bytes: Buffer.from(frame.data) });
      frame.release();
    });
    const ended = waitFor<Error & { code: string }>(camera, 'error');
    // Frame i: every byte (i * 7 + offset) & 0xff, so a frame shifted, mixed or repeated shows.
    const script = `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(fifo)},'w');for(let i=0;i<${count};i++){const b=Buffer.alloc(${frameBytes});for(let j=0;j<b.length;j++)b[j]=(i*7+j)&255;fs.writeSync(fd,b);}fs.closeSync(fd);`;
    spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
    expect((await ended).code).toBe('ERR_END_OF_STREAM');
    expect(received.map((r) => r.sequence)).toEqual(Array.from({ length: count }, (_, i) => i));
    received.forEach((frame, i) => {
      expect(frame.stride).toBe(width * 2);
      const expected = Buffer.alloc(frameBytes);
      for (let j = 0; j < frameBytes; j++) expected[j] = (i * 7 + j) & 255;
      expect(frame.bytes.equals(expected), `frame ${i}`).toBe(true);
      if (i > 0) expect(frame.timestamp).toBeGreaterThanOrEqual(received[i - 1]!.timestamp);
    });
    expect(camera.stats().raw).toMatchObject({ delivered: count, dropped: { busy: 0, late: 0, pool: 0, error: 0 } });
  });

  it('release() empties the buffer at once, returns it to the pool, and is idempotent', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 160, height: 120, output: 'raw', workers: 1 }));
    const frame = await waitFor<RawFrame>(camera, 'raw');
    expect(frame.data.length).toBe(160 * 120 * 2);
    const view = frame.data.subarray(10, 20);
    const before = camera.stats().raw!.pool.leased;
    frame.release();
    expect(frame.data.length).toBe(0);
    expect(view.length).toBe(0);
    expect(camera.stats().raw!.pool.leased).toBeLessThan(before);
    frame.release();
    expect(frame.data.length).toBe(0);
  });
});

describe("output 'both'", () => {
  it('a raw frame and its JPEG share the sequence; the JPEG shows the same bars', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 320, height: 240, output: 'both' }));
    const raws = new Map<number, RawFrame>();
    camera.on('raw', (frame: RawFrame) => raws.set(frame.sequence, frame));
    const jpegs: { sequence: number; data: Buffer }[] = [];
    camera.on('frame', (frame: { sequence: number; data: Buffer }) => jpegs.push(frame));
    await waitUntil('five JPEGs with their raw frames', () => jpegs.filter((j) => raws.has(j.sequence)).length >= 5);
    for (const jpeg of jpegs.filter((j) => raws.has(j.sequence))) {
      expect(colourBarMismatches(decodeJpeg(jpeg.data), 0.05, 0.6)).toEqual([]);
      expect(raws.get(jpeg.sequence)!.data.length).toBe(320 * 240 * 2);
    }
    raws.forEach((frame) => frame.release());
    const stats = camera.stats();
    expect(stats.encoded).toBeGreaterThanOrEqual(5);
    expect(stats.raw!.delivered).toBeGreaterThanOrEqual(5);
  });

  it('pausing stops the JPEGs only: raw consumers keep their frames', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 64, height: 48, output: 'both' }));
    await waitFor(camera, 'frame');
    camera.pause();
    const encoded = camera.stats().encoded;
    const raws: RawFrame[] = [];
    camera.on('raw', (frame: RawFrame) => {
      raws.push(frame);
      frame.release();
    });
    await waitUntil('raw frames while paused', () => raws.length >= 10);
    // At most the frame already being encoded when pause() came.
    expect(camera.stats().encoded - encoded).toBeLessThanOrEqual(2);
    expect(camera.stats().dropped.paused).toBeGreaterThan(0);
  });

  it('/metrics counts raw frames delivered and dropped, by reason', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 64, height: 48, output: 'both' }));
    camera.on('raw', (frame: RawFrame) => frame.release());
    const server = await servers.start({ source: camera });
    await waitUntil('raw frames', () => (camera.stats().raw?.delivered ?? 0) > 2);
    const metrics = (await fetchRaw({ port: server.port ?? 0 }, '/metrics')).body.toString();
    expect(Number(/^turbocam_raw_frames_delivered_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(2);
    const reasons = [...metrics.matchAll(/^turbocam_raw_frames_dropped_total\{[^}]*reason="(\w+)"\} \d+$/gm)].map((m) => m[1]);
    expect(reasons).toEqual([...RAW_DROP_REASONS]);
  });
});

describe('latest frame wins', () => {
  it('a slow consumer gets the newest frames, in order; the rest are dropped and counted', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 640, height: 480, fps: 60, output: 'raw', workers: 2 }));
    const frames = await rawFrames(camera, 6, (frame) => {
      busy(150);
      frame.release();
    });
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.sequence).toBeGreaterThan(frames[i - 1]!.sequence);
    const stats = camera.stats().raw!;
    // Each 150 ms of work spans several frames: they were dropped (busy in the slot, or late),
    // never queued.
    expect(stats.dropped.busy + stats.dropped.late).toBeGreaterThan(frames.length);
    expect(frames.at(-1)!.sequence - frames[0]!.sequence).toBeGreaterThan(frames.length * 2);
    expect(stats.pool.allocated).toBeLessThanOrEqual(stats.pool.capacity);
  });

  it('a consumer that never calls release() still gets its frames back through the GC', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 640, height: 480, output: 'raw', workers: 2 }));
    let count = 0;
    // Heard and dropped, never released: only the Buffers' finalizers give the leases back.
    camera.on('raw', () => count++);
    await waitUntil('45 frames on the GC alone', () => count >= 45);
    const stats = camera.stats().raw!;
    expect(stats.pool.allocated).toBeLessThanOrEqual(stats.pool.capacity);
    expect(stats.pool.leases).toBeGreaterThan(stats.pool.capacity * 3);
  });

  it('a consumer that keeps every buffer runs the pool dry: frames dropped and counted, memory bounded', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 640, height: 480, output: 'raw', workers: 2 }));
    const kept: RawFrame[] = [];
    camera.on('raw', (frame: RawFrame) => kept.push(frame));
    const rss = process.memoryUsage().rss;
    await waitUntil('the pool running dry', () => (camera.stats().raw?.dropped.pool ?? 0) >= 15);
    const stats = camera.stats().raw!;
    expect(kept.length).toBe(stats.pool.capacity);
    expect(stats.pool.leased).toBe(stats.pool.capacity);
    expect(stats.pool.allocated).toBe(stats.pool.capacity);
    expect(stats.pool.bytes).toBe(stats.pool.capacity * 640 * 480 * 2);
    // The pool's few frames, not one per captured frame.
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
    // Released, they come back, and so do frames.
    const delivered = stats.delivered;
    kept.splice(0).forEach((frame) => frame.release());
    await waitUntil('frames again', () => camera.stats().raw!.delivered > delivered + 3);
  });
});
