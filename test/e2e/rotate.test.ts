// --rotate and --flip end to end: the CLI on the test pattern streams the turned picture at the
// turned size and says so in /state; a pipe of camera MJPEG is turned losslessly and /state says
// how much the MCU grid trimmed; bad values exit 2.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSync, openCamera, testPattern } from '../../src/index.js';
import { ensureBuilt, runCli, startCli } from '../helpers/cli.js';
import { decodeJpeg, sampleBars } from '../helpers/colour-bars.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-rotate-'));

beforeAll(() => ensureBuilt());

describe('--rotate and --flip', () => {
  it('the CLI streams the test pattern turned 90 degrees at the turned size, reported in /state', async () => {
    const cli = await startCli([
      '--source',
      'testsrc',
      '--resolution',
      '320x240',
      '--fps',
      '15',
      '--workers',
      '1',
      '--port',
      '0',
      '--rotate',
      '90',
      '--flip',
      'h',
    ]);
    const client = new StrictMjpegClient({ port: cli.port, path: '/stream' });
    await client.waitForParts(2);
    const turned = jpeg.decode(client.parts.at(-1)!.body, { useTArray: true });
    expect([turned.width, turned.height]).toEqual([240, 320]);
    // Rotated 90 then mirrored is a transpose, its own inverse: transposed back, the colour bars
    // (medians down each bar, so the moving box cannot sway them) are the upright pattern's.
    const back = { width: turned.height, height: turned.width, data: new Uint8Array(turned.data.length) };
    for (let y = 0; y < turned.height; y += 1) {
      for (let x = 0; x < turned.width; x += 1)
        back.data.set(turned.data.subarray((y * turned.width + x) * 4, (y * turned.width + x + 1) * 4), (x * back.width + y) * 4);
    }
    const upright = decodeJpeg(
      encodeSync(testPattern({ width: 320, height: 240, format: 'yuyv' }), { width: 320, height: 240, format: 'yuyv' }),
    );
    const want = sampleBars(upright, 0.05, 0.6);
    sampleBars(back, 0.05, 0.6).forEach((bar, i) => bar.forEach((v, c) => expect(Math.abs(v - want[i]![c]!), `bar ${i}`).toBeLessThan(16)));
    const state = JSON.parse((await fetchRaw({ port: cli.port }, '/state')).body.toString());
    expect(state.result.source.resolution).toEqual({ width: 240, height: 320 });
    expect(state.result.source.orientation).toEqual({ rotate: 90, flip: 'h', by: 'turbocam', trimmed: { width: 0, height: 0 } });
    client.close();
    await cli.stop();
  });

  it('camera MJPEG from a pipe is turned losslessly; the trim is in camera.info, which /state reports', async () => {
    const frames = Array.from({ length: 3 }, (_, i) =>
      encodeSync(testPattern({ width: 50, height: 38, format: 'yuyv', frame: i }), {
        width: 50,
        height: 38,
        format: 'yuyv',
        subsampling: '420',
      }),
    );
    const file = join(dir, 'frames.mjpeg');
    writeFileSync(file, Buffer.concat(frames));
    // A V4L2 camera always declares its size; a pipe says it with width and height.
    const camera = await openCamera({ source: file, format: 'mjpeg', width: 50, height: 38, fps: 30, rotate: 90 });
    try {
      const frame = await new Promise<{ width: number; height: number; data: Buffer }>((resolve) => camera.once('frame', resolve));
      const decoded = jpeg.decode(frame.data);
      // 38 lines of 4:2:0 (16-line MCUs) cannot all move: the partial MCU row goes.
      expect([decoded.width, decoded.height]).toEqual([frame.width, frame.height]);
      expect(frame.width).toBe(32);
      expect(frame.height).toBe(50);
      expect(camera.info.orientation).toEqual({ rotate: 90, flip: null, by: 'turbocam', trimmed: { width: 6, height: 0 } });
    } finally {
      await camera.close();
    }
  });

  it.each([
    [['--rotate', '45'], '--rotate'],
    [['--flip', 'x'], '--flip'],
  ])('%j exits 2 naming the flag', async (args, named) => {
    const result = await runCli(['--source', 'testsrc', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(named);
  });

  it('openCamera refuses bad values with ERR_INVALID_ARG', async () => {
    await expect(openCamera({ source: 'testsrc', rotate: 45 as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(openCamera({ source: 'testsrc', flip: 'x' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});
