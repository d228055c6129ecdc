// scripts/pi-smoke.mjs (npm run pi-smoke) as users run it: on a machine without the Pi's encoder
// nodes it says so and exits 0; a node that is there but does not encode fails its checks (exit 1)
// while the CPU rows are still measured and printed; the H.264 rows run on the video node only.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';

function smoke(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/pi-smoke.mjs', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => ensureBuilt());

describe('npm run pi-smoke', () => {
  it('without /dev/video31 and /dev/video11 says there is nothing to measure, naming both, and exits 0', async () => {
    const result = await smoke(['--image-device', '/dev/video-absent-31', '--video-device', '/dev/video-absent-11']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^pi-smoke: no \/dev\/video-absent-31 \(bcm2835-codec encode_image, JPEG\) and no \/dev\/video-absent-11 .*nothing to measure/,
    );
    expect(result.stdout).toContain('a Pi 5 has no hardware JPEG encoder');
  });

  it.skipIf(existsSync('/dev/video31') || existsSync('/dev/video11'))('on this machine (no Pi encoder nodes) it says so', async () => {
    const result = await smoke([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pi-smoke: no \/dev\/video31 .* and no \/dev\/video11 .*nothing to measure/);
  });

  it('a node that is no encoder fails its checks (exit 1) and the CPU rows are measured beside it', async () => {
    const result = await smoke(['--image-device', '/dev/null', '--video-device', '/dev/video-absent-11', '--seconds', '0.5']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^cpu 1280x720 yuyv +\d+\.\d/m);
    expect(result.stdout).toMatch(/^cpu 1920x1080 uyvy +\d+\.\d/m);
    expect(result.stdout).toContain('FAILED: m2m-image /dev/null 1280x720 yuyv: ERR_NO_M2M_ENCODER');
    expect(result.stdout).toContain('FAILED: m2m-image /dev/null 1920x1080 uyvy: ERR_NO_M2M_ENCODER');
    expect(result.stdout).toMatch(/pi-smoke: 2 check\(s\) failed\n$/);
  });

  it('a video node that is no encoder fails its MJPEG and its H.264 checks, each naming the node', async () => {
    const result = await smoke(['--image-device', '/dev/video-absent-31', '--video-device', '/dev/null', '--seconds', '0.5']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAILED: m2m-video /dev/null 1280x720 yuyv: ERR_NO_M2M_ENCODER');
    expect(result.stdout).toContain(
      'FAILED: h264 /dev/null 1280x720 i420: ERR_NO_M2M_ENCODER: no V4L2 M2M encoder from YU12 to H264 at /dev/null',
    );
    expect(result.stdout).toContain('FAILED: h264 /dev/null 1920x1080 yuyv: ERR_NO_M2M_ENCODER');
    expect(result.stdout).toMatch(/pi-smoke: 4 check\(s\) failed\n$/);
  });
});
