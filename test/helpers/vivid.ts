// For test/v4l2: whether /dev/video0 is vivid (the harness's virtual camera), and the tools the
// fault-injection tests drive it with.
import { execFileSync } from 'node:child_process';
import { listDevices } from '../../src/index.js';

export const DEVICE = '/dev/video0';

/**
 * Why the V4L2 tests cannot run here, or null when /dev/video0 is vivid. Inside the VM harness
 * (TURBOCAM_VM=1) there is no excuse: a missing or wrong device, or a single-planar one when the
 * run expects multi-planar (TURBOCAM_EXPECT_MPLANE=1), throws, which fails the importing file
 * instead of skipping it.
 */
export async function vividUnavailable(): Promise<string | null> {
  const inVm = process.env.TURBOCAM_VM === '1';
  const devices = await listDevices().catch((error: unknown) => {
    if (inVm) throw new Error(`listDevices() failed inside the VM: ${String(error)}`);
    return [];
  });
  const device = devices.find((d) => d.path === DEVICE);
  let reason: string | null = null;
  if (!device) reason = `no ${DEVICE}: run inside the VM harness (test/vm/run -- npx vitest run test/v4l2)`;
  else if (device.driver !== 'vivid')
    reason = `${DEVICE} is ${device.driver}, not vivid: these tests press vivid's fault-injection controls`;
  else if (process.env.TURBOCAM_EXPECT_MPLANE === '1' && !deviceCaps().includes('Video Capture Multiplanar')) {
    reason = `${DEVICE} is not multi-planar, but this run is the multi-planar one`;
  }
  if (reason && inVm) throw new Error(`inside the VM: ${reason}`);
  return reason;
}

/** The capability names v4l2-ctl lists under "Device Caps" for /dev/video0. */
export function deviceCaps(): string[] {
  const info = execFileSync('v4l2-ctl', ['-d', DEVICE, '--info'], { encoding: 'utf8' });
  const caps = info.split('Device Caps')[1]?.split('\n').slice(1) ?? [];
  const end = caps.findIndex((line) => !line.startsWith('\t\t'));
  return caps.slice(0, end === -1 ? undefined : end).map((line) => line.trim());
}

/** Sets vivid controls from another process, as a user would with v4l2-ctl. */
export function v4l2ctl(...controls: string[]): void {
  execFileSync('v4l2-ctl', ['-d', DEVICE, ...controls.flatMap((c) => ['-c', c])], { stdio: 'pipe' });
}

/** Unloads and reloads the vivid module: an unplug and replug (test/vm/reload-vivid). */
export function reloadVivid(): void {
  execFileSync('test/vm/reload-vivid', [], { stdio: 'pipe' });
}

/** The v4l2loopback node test/vm/init loads (video_nr=10): a capture node a writer feeds. */
export const LOOPBACK = '/dev/video10';

/** Why the loopback tests cannot run here, or null inside the VM; inside it a missing node throws. */
export function loopbackUnavailable(): string | null {
  let info = '';
  try {
    info = execFileSync('v4l2-ctl', ['-d', LOOPBACK, '--info'], { encoding: 'utf8', stdio: 'pipe' });
  } catch {
    info = '';
  }
  const reason = /Bus info\s*:\s*platform:v4l2loopback/.test(info)
    ? null
    : `${LOOPBACK} is missing or not v4l2loopback: run inside the VM harness`;
  if (reason && process.env.TURBOCAM_VM === '1') throw new Error(`inside the VM: ${reason}`);
  return reason;
}
