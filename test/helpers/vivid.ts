// For test/v4l2: whether /dev/video0 is vivid (the harness's virtual camera), and the tools the
// fault-injection tests drive it with.
import { execFileSync } from 'node:child_process';
import { listDevices } from '../../src/index.js';

export const DEVICE = '/dev/video0';

/** Why the V4L2 tests cannot run here, or null when /dev/video0 is vivid. */
export async function vividUnavailable(): Promise<string | null> {
  const devices = await listDevices().catch(() => []);
  const device = devices.find((d) => d.path === DEVICE);
  if (!device) return `no ${DEVICE}: run inside the VM harness (test/vm/run -- npx vitest run test/v4l2)`;
  if (device.driver !== 'vivid') return `${DEVICE} is ${device.driver}, not vivid: these tests press vivid's fault-injection controls`;
  return null;
}

/** Sets vivid controls from another process, as a user would with v4l2-ctl. */
export function v4l2ctl(...controls: string[]): void {
  execFileSync('v4l2-ctl', ['-d', DEVICE, ...controls.flatMap((c) => ['-c', c])], { stdio: 'pipe' });
}

/** Unloads and reloads the vivid module: an unplug and replug (test/vm/reload-vivid). */
export function reloadVivid(): void {
  execFileSync('test/vm/reload-vivid', [], { stdio: 'pipe' });
}

export function waitFor<T>(emitter: NodeJS.EventEmitter, event: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
