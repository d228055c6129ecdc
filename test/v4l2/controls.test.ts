// Controls on vivid: listing with ranges, defaults and menus; set/get by v4l2-ctl's names, checked
// from another process and in the picture; controls applied at open; coded errors.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera } from '../../src/index.js';
import type { Frame } from '../../src/types.js';
import { closesCameras } from '../helpers/camera.js';
import { decodeJpeg, sampleBars } from '../helpers/colour-bars.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';

const unavailable = await vividUnavailable();

const closing = closesCameras();

async function camera(options: { controls?: Record<string, number | boolean> } = {}): Promise<Camera> {
  const cam = await openCamera({ source: DEVICE, width: 320, height: 180, fps: 30, ...options });
  closing(cam);
  return cam;
}

async function frameAfter(cam: Camera, skip: number): Promise<Frame> {
  let seen = 0;
  for await (const frame of cam) {
    if (seen++ >= skip) return frame;
  }
  throw new Error('camera ended');
}

function readFromOutside(name: string): number {
  const out = execFileSync('v4l2-ctl', ['-d', DEVICE, '-C', name], { encoding: 'utf8' });
  return Number(out.split(':')[1]);
}

describe.skipIf(unavailable !== null)('V4L2 controls', () => {
  it('lists controls with types, ranges, defaults, values and menus', async () => {
    const list = await (await camera()).controls.list();
    const brightness = list.find((c) => c.name === 'brightness');
    expect(brightness).toMatchObject({ type: 'integer', min: 0, max: 255, step: 1, default: 128 });
    expect(brightness!.value).toBe(readFromOutside('brightness'));
    const pattern = list.find((c) => c.name === 'test_pattern');
    expect(pattern!.type).toBe('menu');
    expect(pattern!.menu![0]).toBe('75% Colorbar');
    expect(list.find((c) => c.name === 'read_only_integer_32_bits')!.flags.readOnly).toBe(true);
    expect(list.find((c) => c.name === 'horizontal_flip')!.type).toBe('boolean');
  });

  it('sets and gets brightness, seen by another process and in the picture', async () => {
    const cam = await camera({ controls: { osd_text_mode: 2 } });
    await cam.controls.set('brightness', 60);
    expect(await cam.controls.get('brightness')).toBe(60);
    expect(readFromOutside('brightness')).toBe(60);
    const dark = sampleBars(decodeJpeg((await frameAfter(cam, 2)).data), 0.2, 0.8)[0]!;

    await cam.controls.set('brightness', 200);
    expect(await cam.controls.get('brightness')).toBe(200);
    expect(readFromOutside('brightness')).toBe(200);
    const bright = sampleBars(decodeJpeg((await frameAfter(cam, 2)).data), 0.2, 0.8)[0]!;
    expect(bright[1]).toBeGreaterThan(dark[1] + 40);
    await cam.controls.set('brightness', 128);
  });

  it('accepts names as the driver spells them and booleans as values', async () => {
    const cam = await camera();
    await cam.controls.set('Horizontal Flip', true);
    expect(await cam.controls.get('horizontal_flip')).toBe(1);
    await cam.controls.set('horizontal_flip', false);
    expect(readFromOutside('horizontal_flip')).toBe(0);
  });

  it('applies controls given at open', async () => {
    const cam = await camera({ controls: { contrast: 77 } });
    expect(await cam.controls.get('contrast')).toBe(77);
    await cam.controls.set('contrast', 128);
  });

  it('reports unknown controls, read-only ones and out-of-range values with ERR_INVALID_ARG', async () => {
    const cam = await camera();
    await expect(cam.controls.set('no_such_control', 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', path: DEVICE });
    await expect(cam.controls.get('no_such_control')).rejects.toThrow(/brightness/);
    await expect(cam.controls.set('brightness', 999)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(cam.controls.set('read_only_integer_32_bits', 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await cam.close();
    await expect(openCamera({ source: DEVICE, controls: { no_such_control: 1 } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});

if (unavailable !== null) {
  describe('V4L2 controls', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
