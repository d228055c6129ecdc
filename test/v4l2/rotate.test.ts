// Rotation and flip on vivid: a flip or a half turn uses the device's own horizontal_flip /
// vertical_flip (free, nothing trimmed), seen from another process and in the picture; a quarter
// turn is done while repacking, at the turned size, the colour bars then running top to bottom.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openCamera, type Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { decodeJpeg, sampleBars, type DecodedImage } from '../helpers/colour-bars.js';
import { DEVICE, v4l2ctl, vividUnavailable } from '../helpers/vivid.js';

const unavailable = await vividUnavailable();
const open: Camera[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((camera) => camera.close()));
  if (unavailable === null) v4l2ctl('horizontal_flip=0', 'vertical_flip=0');
});

function readFromOutside(name: string): number {
  return Number(execFileSync('v4l2-ctl', ['-d', DEVICE, '-C', name], { encoding: 'utf8' }).split(':')[1]);
}

async function frameOf(options: Partial<Parameters<typeof openCamera>[0]>): Promise<{ camera: Camera; image: DecodedImage; frame: Frame }> {
  const camera = await openCamera({
    source: DEVICE,
    width: 320,
    height: 180,
    fps: 30,
    format: 'yuyv',
    controls: { osd_text_mode: 2 },
    ...options,
  });
  open.push(camera);
  let seen = 0;
  for await (const frame of camera) {
    if (seen++ >= 2) return { camera, image: decodeJpeg(frame.data), frame };
  }
  throw new Error('camera ended');
}

const close = (a: [number, number, number], b: [number, number, number]): boolean => a.every((v, i) => Math.abs(v - b[i]!) < 24);

describe.skipIf(unavailable !== null)('rotation and flip on vivid', () => {
  it("--flip h uses the device's horizontal_flip: the bars come mirrored", async () => {
    const upright = sampleBars((await frameOf({})).image, 0.3, 0.7);
    await Promise.all(open.splice(0).map((camera) => camera.close()));
    const { camera, image } = await frameOf({ flip: 'h' });
    expect(camera.info.orientation).toEqual({ rotate: 0, flip: 'h', by: 'device', trimmed: { width: 0, height: 0 } });
    expect(readFromOutside('horizontal_flip')).toBe(1);
    const mirrored = sampleBars(image, 0.3, 0.7);
    mirrored.forEach((bar, i) => expect(close(bar, upright[7 - i]!), `bar ${i}`).toBe(true));
  });

  it('a half turn is both device flips', async () => {
    const { camera } = await frameOf({ rotate: 180 });
    expect(camera.info.orientation?.by).toBe('device');
    expect([readFromOutside('horizontal_flip'), readFromOutside('vertical_flip')]).toEqual([1, 1]);
  });

  it('a quarter turn is done by turbocam at the turned size', async () => {
    const upright = sampleBars((await frameOf({})).image, 0.3, 0.7);
    await Promise.all(open.splice(0).map((camera) => camera.close()));
    const { camera, image, frame } = await frameOf({ rotate: 90 });
    expect(camera.info.orientation?.by).toBe('turbocam');
    expect([frame.width, frame.height, image.width, image.height]).toEqual([180, 320, 180, 320]);
    expect(readFromOutside('horizontal_flip')).toBe(0);
    // Turned clockwise, the bars run top to bottom: sample the middle column at each bar's centre.
    const x = Math.floor(image.width / 2);
    upright.forEach((bar, i) => {
      const y = Math.floor(((i + 0.5) * image.height) / 8);
      const at = (y * image.width + x) * 4;
      const got: [number, number, number] = [image.data[at]!, image.data[at + 1]!, image.data[at + 2]!];
      expect(close(got, bar), `bar ${i}: ${got} vs ${bar}`).toBe(true);
    });
  });
});

if (unavailable !== null) {
  describe('rotation and flip on vivid', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
