// Capture from vivid inside the VM harness: every raw format at two sizes, decoded by jpeg-js and
// checked for vivid's 75 % colour bars; fps negotiation; listDevices; close and reopen; pause and
// resume; EBUSY; raw output's pixels.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listDevices, openCamera } from '../../src/index.js';
import type { RawFrame, RawPixelFormatName } from '../../src/types.js';
import { closesCameras, pauseSettled, takeFrames } from '../helpers/camera.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';
import { frameToRgb } from '../helpers/pixels.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';
import { waitUntil } from '../helpers/wait.js';

const unavailable = await vividUnavailable();
// vivid prints its status text over the top of the picture unless told not to.
const NO_OSD = { osd_text_mode: 2 };

const closing = closesCameras();

describe.skipIf(unavailable !== null)('V4L2 capture from vivid', () => {
  const cases: Array<[RawPixelFormatName, number, number]> = [];
  for (const format of ['yuyv', 'uyvy', 'nv12', 'i420', 'rgb24', 'bgr24', 'grey'] as const) {
    cases.push([format, 320, 180], [format, 640, 360]);
  }

  it.each(cases)('captures %s at %ix%i and the JPEG shows the colour bars', async (format, width, height) => {
    const camera = await openCamera({ source: DEVICE, format, width, height, fps: 30, controls: NO_OSD });
    closing(camera);
    expect(camera.info).toMatchObject({ kind: 'v4l2', name: DEVICE, format, width, height });
    const frames = await takeFrames(camera, 3);
    const frame = frames.at(-1)!;
    expect(frame).toMatchObject({ format, width, height });
    const image = decodeJpeg(frame.data);
    expect([image.width, image.height]).toEqual([width, height]);
    expect(colourBarMismatches(image, 0.1, 0.9, format === 'grey')).toEqual([]);
  });

  it('negotiates the frame rate and reports the driver’s choice', async () => {
    const slow = await openCamera({ source: DEVICE, width: 320, height: 180, fps: 5 });
    expect(slow.info.fps).toBe(5);
    const frames = await takeFrames(slow, 6);
    await slow.close();
    // vivid paces frames by the negotiated interval, 200 ms at 5 fps; averaged over the later
    // frames, as the first ones of a stream may come early under emulation.
    const mean = (frames[5]!.timestamp - frames[1]!.timestamp) / 4;
    expect(mean).toBeGreaterThan(150);

    const odd = await openCamera({ source: DEVICE, width: 320, height: 180, fps: 27 });
    closing(odd);
    const offered = (await listDevices())
      .find((d) => d.path === DEVICE)!
      .formats.find((f) => f.format === odd.info.format)!
      .sizes.find((s) => s.width === 320 && s.height === 180)!.fps;
    expect(offered).toContain(odd.info.fps);
    expect(odd.info.fps).not.toBe(27);
  });

  it('lists vivid with its formats, sizes and rates', async () => {
    const device = (await listDevices()).find((d) => d.path === DEVICE)!;
    expect(device.driver).toBe('vivid');
    const yuyv = device.formats.find((f) => f.format === 'yuyv')!;
    expect(yuyv.fourcc).toBe('YUYV');
    expect(yuyv.sizes).toContainEqual(expect.objectContaining({ width: 640, height: 360 }));
    expect(yuyv.sizes[0]!.fps.length).toBeGreaterThan(1);
  });

  it('picks a raw format for format auto when the device has no MJPEG', async () => {
    const camera = await openCamera({ source: DEVICE, width: 320, height: 180 });
    closing(camera);
    expect(camera.info.format).toBe('yuyv');
    const [frame] = await takeFrames(camera, 1);
    expect(decodeJpeg(frame!.data).width).toBe(320);
  });

  it('rejects a format the device does not offer, listing what it offers', async () => {
    const devices = await listDevices();
    const offered = devices.find((d) => d.path === DEVICE)!.formats.map((f) => f.format);
    expect(offered).not.toContain('mjpeg');
    const error = await openCamera({ source: DEVICE, format: 'mjpeg' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_UNSUPPORTED_FORMAT', path: DEVICE });
    expect((error as Error).message).toContain('yuyv');
  });

  it('can be opened again at once after close', async () => {
    for (let round = 0; round < 3; round++) {
      const camera = await openCamera({ source: DEVICE, width: 320, height: 180 });
      closing(camera);
      const [frame] = await takeFrames(camera, 1);
      // A fresh stream: its sequence starts at 0, so the first frame delivered is numbered by the
      // frames a loaded machine dropped before it.
      const { busy, late, corrupt, error } = camera.stats().dropped;
      expect(frame!.sequence).toBeLessThanOrEqual(busy + late + corrupt + error);
      await camera.close();
    }
  });

  it('paused, gives every buffer straight back to the driver, so the device streams on and resumes at once', async () => {
    const camera = await openCamera({ source: DEVICE, format: 'yuyv', width: 320, height: 180, fps: 30, buffers: 3, controls: NO_OSD });
    closing(camera);
    const [before] = await takeFrames(camera, 1);
    await pauseSettled(camera, 200);
    const paused = camera.stats();
    // 30 frames through 3 buffers: only buffers handed back keep them coming.
    await waitUntil('30 frames captured while paused', () => camera.stats().captured - paused.captured > 30, 60_000);
    const later = camera.stats();
    expect(later.encoded).toBe(paused.encoded);
    expect(later.delivered).toBe(paused.delivered);
    const captured = later.captured - paused.captured;
    // Each is counted as dropped.paused; a frame between the two counters at the reading is at most
    // one of the 3 buffers or the one the capture thread holds.
    expect(Math.abs((later.dropped.paused ?? 0) - (paused.dropped.paused ?? 0) - captured)).toBeLessThanOrEqual(4);

    camera.resume();
    const [after] = await takeFrames(camera, 1);
    expect(after!.sequence).toBeGreaterThan(before!.sequence + captured - 1);
    const image = decodeJpeg(after!.data);
    expect(colourBarMismatches(image, 0.1, 0.9)).toEqual([]);
    expect(camera.stats().paused).toBe(false);
  });

  it('reports EBUSY while another process streams from the device', async () => {
    const other = spawn('v4l2-ctl', ['-d', DEVICE, '--stream-mmap', '--stream-count=100000', '--stream-to=/dev/null'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      // v4l2-ctl prints a '<' per dequeued buffer: once one shows, it holds the device.
      let progress = '';
      other.stdout.on('data', (chunk: Buffer) => (progress += chunk.toString()));
      other.stderr.on('data', (chunk: Buffer) => (progress += chunk.toString()));
      await waitUntil('v4l2-ctl streaming', () => progress.includes('<'), 30_000);
      const error = await openCamera({ source: DEVICE, width: 320, height: 180 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'EBUSY', path: DEVICE });
    } finally {
      other.kill();
      await new Promise((resolve) => other.once('exit', resolve));
    }
    const camera = await openCamera({ source: DEVICE, width: 320, height: 180 });
    closing(camera);
    expect((await takeFrames(camera, 1)).length).toBe(1);
  });

  it.each(['yuyv', 'nv12'] as const)(
    "raw output gives vivid's %s pixels with their stride, in order, copied off the mmap buffers",
    async (format) => {
      const [width, height] = [320, 180];
      const camera = await openCamera({ source: DEVICE, format, width, height, fps: 30, controls: NO_OSD, output: 'raw' });
      closing(camera);
      const frames: RawFrame[] = [];
      let rgb: Uint8Array | null = null;
      for await (const frame of camera.rawFrames()) {
        frames.push(frame);
        // The pixels through the tests' reference conversion, before the buffer goes back.
        if (frames.length === 4) rgb = frameToRgb(frame.data, format, width, height, frame.stride);
        frame.release();
        if (frames.length === 4) break;
      }
      for (const frame of frames) expect(frame).toMatchObject({ format, width, height, stride: format === 'yuyv' ? width * 2 : width });
      for (let i = 1; i < frames.length; i++) {
        expect(frames[i]!.sequence).toBeGreaterThan(frames[i - 1]!.sequence);
        expect(frames[i]!.timestamp).toBeGreaterThan(frames[i - 1]!.timestamp);
      }
      const rgba = new Uint8Array(width * height * 4);
      for (let i = 0; i < width * height; i++) rgba.set([rgb![3 * i]!, rgb![3 * i + 1]!, rgb![3 * i + 2]!, 255], 4 * i);
      expect(colourBarMismatches({ width, height, data: rgba }, 0.1, 0.9)).toEqual([]);
      expect(camera.stats()).toMatchObject({ encoded: 0, raw: { dropped: { pool: 0, error: 0 } } });
    },
  );
});

if (unavailable !== null) {
  describe('V4L2 capture', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
