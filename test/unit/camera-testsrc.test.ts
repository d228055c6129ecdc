// testsrc end to end: the test pattern through the capture thread, the encoder workers, the
// sequencer and the thread-safe hand-off, decoded by jpeg-js.
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Frame, RawPixelFormatName } from '../../src/types.js';
import { closesCameras, takeFrames as take } from '../helpers/camera.js';
import { collect } from '../helpers/memory.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';
import { subsamplingOf } from '../helpers/jpeg-markers.js';
import { waitUntil } from '../helpers/wait.js';

const closing = closesCameras();

describe('testsrc', () => {
  it('delivers decodable JPEGs of the colour bars in sequence order with monotonic timestamps', async () => {
    const camera = await openCamera({ source: 'testsrc', width: 320, height: 240, fps: 30, workers: 2 });
    closing(camera);
    expect(camera.info).toEqual({ kind: 'testsrc', name: 'testsrc', width: 320, height: 240, format: 'yuyv', fps: 30, subsampling: '420' });
    const frames = await take(camera, 20);
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i]!.sequence).toBeGreaterThan(frames[i - 1]!.sequence);
      expect(frames[i]!.timestamp).toBeGreaterThan(frames[i - 1]!.timestamp);
    }
    const now = Number(process.hrtime.bigint() / 1_000_000n);
    expect(Math.abs(now - frames.at(-1)!.timestamp)).toBeLessThan(10_000);
    for (const frame of frames.slice(-3)) {
      const image = decodeJpeg(frame.data);
      expect([image.width, image.height]).toEqual([320, 240]);
      expect(colourBarMismatches(image, 0.05, 0.6)).toEqual([]);
    }
  });

  it.each<RawPixelFormatName>(['uyvy', 'nv12', 'i420', 'rgb24', 'bgr24', 'grey'])('encodes %s frames', async (format) => {
    const camera = await openCamera({ source: 'testsrc', width: 176, height: 144, fps: 60, format });
    closing(camera);
    const [frame] = await take(camera, 1);
    expect(frame!.format).toBe(format);
    const image = decodeJpeg(frame!.data);
    expect([image.width, image.height]).toEqual([176, 144]);
    expect(colourBarMismatches(image, 0.05, 0.6, format === 'grey')).toEqual([]);
  });

  // The camera path defaults to 4:2:0 for every raw format (the anchors' output and the cheapest);
  // encodeSync keeps 4:2:2 for yuyv. The SOF's sampling factors say what was really encoded.
  it.each<[RawPixelFormatName, '420' | '422' | '444' | 'gray' | undefined, string, string]>([
    ['yuyv', undefined, '420', '2x2'],
    ['uyvy', undefined, '420', '2x2'],
    ['rgb24', undefined, '420', '2x2'],
    ['grey', undefined, 'gray', 'gray'],
    ['yuyv', '422', '422', '2x1'],
    ['yuyv', 'gray', 'gray', 'gray'],
    ['rgb24', '444', '444', '1x1'],
  ])('encodes %s at subsampling %s as %s', async (format, subsampling, reported, factors) => {
    const camera = await openCamera({
      source: 'testsrc',
      width: 176,
      height: 144,
      fps: 60,
      format,
      ...(subsampling ? { subsampling } : {}),
    });
    closing(camera);
    expect(camera.info.subsampling).toBe(reported);
    const [frame] = await take(camera, 1);
    expect(subsamplingOf(frame!.data)).toBe(factors);
    expect(colourBarMismatches(decodeJpeg(frame!.data), 0.05, 0.6, factors === 'gray')).toEqual([]);
  });

  it('counts what it captured, encoded and delivered', async () => {
    const camera = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 50, workers: 2 });
    closing(camera);
    let received = 0;
    camera.on('frame', () => received++);
    // fps is measured over about a second of delivery.
    await waitUntil('more than 10 frames and an fps figure', () => received > 10 && camera.stats().fps > 0);
    const stats = camera.stats();
    expect(stats.delivered).toBe(received);
    expect(received).toBeGreaterThan(10);
    expect(stats.encoded).toBeGreaterThanOrEqual(stats.delivered);
    expect(stats.captured).toBeGreaterThanOrEqual(stats.encoded);
    const dropped = stats.dropped.busy + stats.dropped.late + stats.dropped.corrupt + stats.dropped.error;
    expect(stats.captured).toBeGreaterThanOrEqual(stats.delivered + dropped - 2 * 4);
    expect(stats.fps).toBeGreaterThan(0);
    expect(stats.encodeMs).toBeGreaterThan(0);
    // The pool's buffers (at most workers + 32) follow the 160x120 JPEGs (a few KB each), far
    // below tjBufSize (~79 KB each).
    expect(stats.pool).toBeDefined();
    expect(stats.pool!.bytes).toBeGreaterThan(0);
    expect(stats.pool!.bytes).toBeLessThan((2 + 32) * 16 * 1024);
  });

  it('names its native threads tc-capture and tc-enc-N, so CPU can be billed per stage', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const camera = await openCamera({ source: 'testsrc', width: 160, height: 120, workers: 2 });
    closing(camera);
    await take(camera, 1);
    const names = readdirSync('/proc/self/task').map((tid) => {
      try {
        return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    });
    expect(names).toContain('tc-capture');
    expect(names).toContain('tc-enc-0');
    expect(names).toContain('tc-enc-1');
  });

  it('counts the pool buffers still out: frames JS holds keep theirs until collected', async () => {
    const camera = closing(await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 60, workers: 1 }));
    let held: Frame[] = await take(camera, 3);
    camera.pause();
    expect(camera.stats().pool!.leased).toBeGreaterThanOrEqual(3);
    expect(held.map((frame) => frame.data[0])).toEqual([0xff, 0xff, 0xff]);
    held = [];
    await waitUntil('no pool buffer out', async () => {
      await collect();
      return camera.stats().pool!.leased === 0;
    });
  });

  it('ends iteration on close and can be opened again at once', async () => {
    const camera = await openCamera({ source: 'testsrc', width: 160, height: 120 });
    let seen = 0;
    camera.on('frame', () => seen++);
    const iterating = take(camera, 1_000_000);
    await waitUntil('a frame', () => seen > 0);
    await camera.close();
    const frames = await iterating;
    expect(frames.length).toBeGreaterThan(0);
    const again = await openCamera({ source: 'testsrc', width: 160, height: 120 });
    closing(again);
    expect((await take(again, 1))[0]!.sequence).toBe(0);
  });

  it('rejects options it cannot honour with codes', async () => {
    await expect(openCamera({ source: 'testsrc', format: 'mjpeg' })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_FORMAT' });
    await expect(openCamera({ source: 'testsrc', width: 161, height: 120, format: 'nv12' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
    });
    await expect(openCamera({ source: 'testsrc', quality: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    // nv12 has no 4:2:2 chroma to keep: refused at open, not frame by frame.
    await expect(openCamera({ source: 'testsrc', format: 'nv12', subsampling: '422' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: /422 cannot be produced from nv12/,
    });
    await expect(openCamera({ source: 'testsrc', subsampling: '411' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: /subsampling/,
    });
    await expect(openCamera({ source: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});

describe('async iteration', () => {
  it('rethrows a source failure to the iterating consumer without an error listener', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const fifo = join(mkdtempSync(join(tmpdir(), 'turbocam-iter-')), 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const camera = await openCamera({ source: fifo, format: 'grey', width: 16, height: 16 });
    closing(camera);
    const consumed = (async () => {
      let frames = 0;
      for await (const frame of camera) frames += frame.data.length > 0 ? 1 : 0;
      return frames;
    })();
    execFileSync('sh', ['-c', `head -c 512 /dev/zero > ${fifo}`]);
    await expect(consumed).rejects.toMatchObject({ code: 'ERR_END_OF_STREAM' });
  });
});
