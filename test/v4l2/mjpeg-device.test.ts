// Camera MJPEG from a real V4L2 node: v4l2loopback (/dev/video10, loaded by test/vm/init), fed by
// ffmpeg with JPEGs of the test pattern, two of every four without their EOI. A Camera and the
// CLI on that node must pick MJPEG under `auto` and pass the JPEGs through: every frame served is
// byte for byte one that was fed (an EOI-less one with EOI appended, and counted as repaired),
// nothing is encoded, and the frames decode to the pixels the writer encoded.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSync, listDevices, openCamera, testPattern } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { closesCameras } from '../helpers/camera.js';
import { ensureBuilt, startCli, type RunningCli } from '../helpers/cli.js';
import { decodeJpeg } from '../helpers/colour-bars.js';
import { fetchRaw } from '../helpers/http.js';
import { psnr } from '../helpers/pixels.js';
import { LOOPBACK, loopbackUnavailable } from '../helpers/vivid.js';
import { waitUntil } from '../helpers/wait.js';

const unavailable = loopbackUnavailable();
const WIDTH = 320;
const HEIGHT = 240;
const EOI = Buffer.from([0xff, 0xd9]);
// Frames 1 and 2 are fed without EOI; 0 and 3 complete (the file ends on a complete frame, so the
// writer's MJPEG parser never has to guess where the last one ends).
const WITHOUT_EOI = new Set([1, 2]);

const raws = [0, 1, 2, 3].map((frame) => testPattern({ width: WIDTH, height: HEIGHT, format: 'rgb24', frame }));
const complete = raws.map((raw) => encodeSync(raw, { width: WIDTH, height: HEIGHT, format: 'rgb24', quality: 90 }));
const fed = complete.map((jpeg, i) => (WITHOUT_EOI.has(i) ? jpeg.subarray(0, jpeg.length - 2) : jpeg));

/** Which fed frame these bytes are, exactly as fed, or (EOI-less ones) with only EOI appended. */
function fedIndex(data: Uint8Array): number {
  return complete.findIndex((jpeg) => Buffer.compare(jpeg, data) === 0);
}

/** The RGB pixels of a decoded JPEG, without alpha. */
function rgbOf(data: Uint8Array): Uint8Array {
  const image = decodeJpeg(data);
  const rgb = new Uint8Array(image.width * image.height * 3);
  for (let i = 0, j = 0; i < image.data.length; i += 4, j += 3) rgb.set(image.data.subarray(i, i + 3), j);
  return rgb;
}

describe.skipIf(unavailable !== null)('camera MJPEG from a V4L2 node (v4l2loopback fed by ffmpeg)', () => {
  const track = closesCameras();
  let writer: ChildProcess | undefined;

  beforeAll(async () => {
    const file = '/tmp/turbocam-loopback.mjpeg';
    writeFileSync(file, Buffer.concat(fed));
    // -c copy: ffmpeg splits the file on SOI and writes each JPEG untouched, one write() per frame.
    writer = spawn(
      'ffmpeg',
      ['-v', 'error', '-re', '-stream_loop', '-1', '-f', 'mjpeg', '-framerate', '10', '-i', file, '-c', 'copy', '-f', 'v4l2', LOOPBACK],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    // The node offers a capture format once the writer has set one and written a frame.
    await waitUntil(
      `${LOOPBACK} offering mjpeg`,
      async () => (await listDevices()).find((d) => d.path === LOOPBACK)?.formats.some((f) => f.format === 'mjpeg'),
      60_000,
      200,
    );
  }, 90_000);
  afterAll(() => {
    writer?.kill('SIGKILL');
  });

  it('lists the node as an MJPEG capture device at the fed size', async () => {
    const device = (await listDevices()).find((d) => d.path === LOOPBACK)!;
    expect(device.formats.map((f) => f.format)).toEqual(['mjpeg']);
    expect(device.formats[0]!.sizes[0]).toMatchObject({ width: WIDTH, height: HEIGHT });
  });

  it('a Camera under format auto picks MJPEG and passes the JPEGs through, EOI-less ones repaired', async () => {
    const camera = track(await openCamera({ source: LOOPBACK, format: 'auto' }));
    expect(camera.info).toMatchObject({ kind: 'v4l2', name: LOOPBACK, format: 'mjpeg', width: WIDTH, height: HEIGHT, subsampling: null });
    const frames: Frame[] = [];
    camera.on('frame', (frame: Frame) => frames.push(frame));
    const seen = () => new Set(frames.map((f) => fedIndex(f.data)));
    // Both kinds of fed frame, however many the latest-frame hand-off skipped under emulation.
    await waitUntil(
      'a complete and an EOI-less fed frame',
      () => {
        const s = seen();
        return [...s].some((i) => WITHOUT_EOI.has(i)) && [...s].some((i) => i >= 0 && !WITHOUT_EOI.has(i));
      },
      60_000,
    );
    camera.removeAllListeners('frame');
    // Every frame is one that was fed, byte for byte: nothing re-encoded it.
    expect(frames.filter((f) => fedIndex(f.data) === -1).map((f) => f.data.length)).toEqual([]);
    for (const frame of frames) expect(frame).toMatchObject({ format: 'mjpeg', width: WIDTH, height: HEIGHT });
    const stats = camera.stats();
    expect(stats.encodeMs).toBe(0);
    expect(stats.dropped.corrupt).toBe(0);
    expect(stats.repaired).toBeGreaterThanOrEqual(frames.filter((f) => WITHOUT_EOI.has(fedIndex(f.data))).length);
    expect(stats.repaired).toBeGreaterThan(0);
    // And they show what the writer encoded: each decodes close to its raw test-pattern frame.
    for (const index of seen()) {
      const frame = frames.find((f) => fedIndex(f.data) === index)!;
      expect(psnr(rgbOf(frame.data), raws[index]!)).toBeGreaterThan(30);
    }
  }, 90_000);

  describe('the CLI with --format auto', () => {
    let cli: RunningCli;
    beforeAll(async () => {
      ensureBuilt();
      cli = await startCli(['--device', LOOPBACK, '--format', 'auto', '--port', '0']);
    }, 60_000);
    afterAll(async () => {
      await cli?.stop();
    });

    it('serves the fed JPEGs unchanged and reports MJPEG, nothing encoded', async () => {
      const snapshots = new Set<number>();
      await waitUntil(
        'a snapshot of each kind of fed frame',
        async () => {
          const answer = await fetchRaw({ port: cli.port }, '/snapshot');
          expect(answer.status).toBe(200);
          const index = fedIndex(answer.body);
          expect(index, `a /snapshot of ${answer.body.length} bytes that was not fed`).not.toBe(-1);
          snapshots.add(index);
          return [...snapshots].some((i) => WITHOUT_EOI.has(i)) && [...snapshots].some((i) => !WITHOUT_EOI.has(i));
        },
        60_000,
        100,
      );
      const state = JSON.parse((await fetchRaw({ port: cli.port }, '/state')).body.toString()) as {
        result: { source: { format: string; subsampling: string | null; encode_ms: number; repaired: number; resolution: object } };
      };
      expect(state.result.source).toMatchObject({
        format: 'mjpeg',
        subsampling: null,
        encode_ms: 0,
        resolution: { width: WIDTH, height: HEIGHT },
      });
      expect(state.result.source.repaired).toBeGreaterThan(0);
    }, 90_000);
  });
});
