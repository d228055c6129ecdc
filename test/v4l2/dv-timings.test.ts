// HDMI capture (vivid's input 3): the detected DV timings decide the size at open, and a new
// signal (a source-change event) is renegotiated without the caller's help.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import type { Camera } from '../../src/index.js';
import type { SourceInfo } from '../../src/sources/source.js';
import type { Frame } from '../../src/types.js';
import { decodeJpeg } from '../helpers/colour-bars.js';
import { DEVICE, v4l2ctl, vividUnavailable } from '../helpers/vivid.js';
import { waitFor } from '../helpers/wait.js';

const unavailable = await vividUnavailable();
const HDMI_INPUT = 3;

const open: Camera[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((camera) => camera.close()));
  if (unavailable === null) execFileSync('v4l2-ctl', ['-d', DEVICE, '-i', '0'], { stdio: 'pipe' });
});

function detected(): { width: number; height: number } {
  const out = execFileSync('v4l2-ctl', ['-d', DEVICE, '--query-dv-timings'], { encoding: 'utf8' });
  const match = /Active width: (\d+)[\s\S]*?Active height: (\d+)/.exec(out);
  if (!match) throw new Error(`unexpected v4l2-ctl output: ${out}`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

async function nextFrame(camera: Camera): Promise<Frame> {
  for await (const frame of camera) return frame;
  throw new Error('camera ended');
}

describe.skipIf(unavailable !== null)('DV timings (HDMI input)', () => {
  it('captures at the detected timings and renegotiates when the signal changes', async () => {
    execFileSync('v4l2-ctl', ['-d', DEVICE, '-i', String(HDMI_INPUT)], { stdio: 'pipe' });
    const first = detected();
    const camera = await openCamera({ source: DEVICE, input: HDMI_INPUT, format: 'yuyv', deviceTimeout: 20_000 });
    open.push(camera);
    expect(camera.info).toMatchObject(first);
    const frame = await nextFrame(camera);
    expect(decodeJpeg(frame.data)).toMatchObject(first);

    // Pick another timing from vivid's menu and make it the signal: a source-change event.
    const reconnected = waitFor<SourceInfo>(camera, 'reconnect', 30_000);
    v4l2ctl('dv_timings_signal_mode=4', 'dv_timings=0');
    const info = await reconnected;
    const second = detected();
    expect(second).not.toEqual(first);
    expect(info).toMatchObject(second);
    const after = await nextFrame(camera);
    expect(decodeJpeg(after.data)).toMatchObject(second);
  });

  it('refuses to open an HDMI input without a signal: ERR_NO_SIGNAL with the device path', async () => {
    execFileSync('v4l2-ctl', ['-d', DEVICE, '-i', String(HDMI_INPUT)], { stdio: 'pipe' });
    v4l2ctl('dv_timings_signal_mode=1');
    try {
      await expect(openCamera({ source: DEVICE, input: HDMI_INPUT, format: 'yuyv' })).rejects.toMatchObject({
        code: 'ERR_NO_SIGNAL',
        path: DEVICE,
      });
    } finally {
      v4l2ctl('dv_timings_signal_mode=0');
    }
  });
});

if (unavailable !== null) {
  describe('DV timings (HDMI input)', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}
