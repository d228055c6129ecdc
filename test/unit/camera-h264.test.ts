// The H.264 side of a Camera without ffmpeg: availability with and without the library (in a
// child process whose TURBOCAM_OPENH264_LIBRARY names a missing file), the addon loading without
// libopenh264 (no DT_NEEDED), and each bad setting refused with its code.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { h264Availability, openCamera } from '../../src/index.js';
import { closesCameras } from '../helpers/camera.js';
import { DIST, ensureBuilt } from '../helpers/cli.js';

const track = closesCameras();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a script against the built package (dist/) with the given environment; its stdout as JSON.
 *  Asynchronously: the sanitizer run's preload hands its runtime to spawned Node processes only. */
async function child(script: string, env: Record<string, string>): Promise<unknown> {
  ensureBuilt();
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: DIST,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout) as unknown;
}

describe('Camera H.264 availability and settings', () => {
  it('is available with libopenh264-7 installed, and names its version', () => {
    expect(h264Availability()).toEqual({ available: true, encoder: expect.stringMatching(/^openh264 2\.\d+\.\d+$/) });
    expect(h264Availability('m2m')).toMatchObject({ available: false, encoder: null, reason: expect.stringMatching(/M2M/) });
  });

  it('without the library: unavailable with the remedy, startH264 throws ERR_H264_UNAVAILABLE, MJPEG unaffected', async () => {
    const script = `
      import { h264Availability, openCamera } from './index.js';
      const camera = await openCamera({ source: 'testsrc', width: 160, height: 120, format: 'yuyv' });
      let error;
      try { camera.startH264(() => {}, () => {}); } catch (e) { error = { code: e.code, message: e.message }; }
      const frame = await new Promise((resolve) => camera.once('frame', (f) => resolve(f.data.length > 0)));
      console.log(JSON.stringify({ module: h264Availability(), camera: camera.h264Availability, error, frame }));
      await camera.close();
    `;
    const result = await child(script, { TURBOCAM_OPENH264_LIBRARY: '/nonexistent/libopenh264.so.7' });
    const reason = '/nonexistent/libopenh264.so.7 not found: apt-get install libopenh264-7';
    expect(result).toEqual({
      module: { available: false, encoder: null, reason },
      camera: { available: false, encoder: null, reason },
      error: { code: 'ERR_H264_UNAVAILABLE', message: `startH264: ${reason}` },
      frame: true,
    });
  });

  it('the addon does not link libopenh264 (prebuilds load without it)', () => {
    const dynamic = execFileSync('readelf', ['-d', `${ROOT}build/Release/turbocam.node`]).toString();
    const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(needed).toContain('libturbojpeg.so.0');
    expect(needed.filter((name) => /openh264/.test(name!))).toEqual([]);
  });

  it.each([
    [{ encoder: 'x264' }, /h264\.encoder/],
    [{ bitrateKbps: 10 }, /h264\.bitrateKbps/],
    [{ bitrateKbps: 1.5e3 + 0.5 }, /h264\.bitrateKbps/],
    [{ keyframeInterval: 0 }, /h264\.keyframeInterval/],
    [{ device: '' }, /h264\.device/],
    [{ bitrate: 2000 }, /h264\.bitrate/],
    ['fast', /`h264` must be an object/],
  ])('openCamera refuses h264 %j with ERR_INVALID_ARG', async (h264, message) => {
    const error = await openCamera({ source: 'testsrc', h264: h264 as never }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(message) });
  });

  it('h264: false and the m2m encoder are unavailable, each with its code', async () => {
    const off = track(await openCamera({ source: 'testsrc', width: 160, height: 120, format: 'yuyv', h264: false }));
    expect(off.h264Availability).toMatchObject({ available: false, reason: expect.stringMatching(/h264: false/) });
    expect(() =>
      off.startH264(
        () => undefined,
        () => undefined,
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_H264_UNAVAILABLE' }));

    const m2m = track(await openCamera({ source: 'testsrc', width: 160, height: 120, format: 'yuyv', h264: { encoder: 'm2m' } }));
    expect(m2m.h264Availability.available).toBe(false);
    expect(() =>
      m2m.startH264(
        () => undefined,
        () => undefined,
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_NO_M2M_ENCODER' }));
    expect(m2m.h264Stats()).toMatchObject({ running: false, units: 0 });
  });

  it('an odd size the 4:2:0 coder cannot take is refused with ERR_UNSUPPORTED_FORMAT, and the camera streams on', async () => {
    const camera = track(await openCamera({ source: 'testsrc', width: 162, height: 121, format: 'grey' }));
    expect(() =>
      camera.startH264(
        () => undefined,
        () => undefined,
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT', message: expect.stringMatching(/even width and height/) }));
    expect(camera.h264Stats().running).toBe(false);
    await new Promise((resolve) => camera.once('frame', resolve));
  });
});
