// The device seen from outside the happy path, inside the VM: an unprivileged user gets EACCES
// (the guest's /dev/video0 is root's, mode 0600, as a Pi's is root:video), an output-only node
// (vivid's video output, /dev/video1 with the harness's node_types=0x101) is refused as not a
// capture device, and the CLI lists the device and its controls.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/index.js';
import { DIST, ensureBuilt, runCli } from '../helpers/cli.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';

const unavailable = await vividUnavailable();
const OUTPUT = '/dev/video1';

describe.skipIf(unavailable !== null)('V4L2 access', () => {
  it('an unprivileged user gets EACCES with the device path', () => {
    ensureBuilt();
    expect(statSync(DEVICE).mode & 0o006).toBe(0);
    const script = `import { openCamera } from ${JSON.stringify(`${DIST}/index.js`)};
openCamera({ source: ${JSON.stringify(DEVICE)} }).then(
  (camera) => camera.close().then(() => console.log('opened')),
  (error) => console.log(JSON.stringify({ code: error.code, path: error.path })));`;
    // nobody:nogroup, as a user outside the video group.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      cwd: '/',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ code: 'EACCES', path: DEVICE });
  });

  it('an output-only node is refused with ERR_NOT_CAPTURE_DEVICE', async () => {
    expect(existsSync(OUTPUT)).toBe(true);
    expect(execFileSync('v4l2-ctl', ['-d', OUTPUT, '--info'], { encoding: 'utf8' }).split('Device Caps')[1]).toMatch(/Video Output/);
    await expect(openCamera({ source: OUTPUT })).rejects.toMatchObject({ code: 'ERR_NOT_CAPTURE_DEVICE', path: OUTPUT });
  });

  it('turbocam --list-devices shows vivid with its formats and sizes, and not the output node', async () => {
    ensureBuilt();
    const result = await runCli(['--list-devices'], 60_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${DEVICE}: .* \\(vivid, platform:vivid-000\\)$`, 'm'));
    expect(result.stdout).toMatch(/^ {2}yuyv \(YUYV, [^)]*\): .*640x360@/m);
    // A line per device, `PATH: name (...)`: /dev/video10 (the loopback node) is not the output node.
    expect(result.stdout).not.toMatch(new RegExp(`^${OUTPUT}:`, 'm'));
  });

  it('turbocam --list-controls shows the device controls with ranges and values', async () => {
    const result = await runCli(['-d', DEVICE, '-r', '320x180', '--list-controls'], 60_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^brightness \(integer\) 0\.\.255 step 1 default 128 value \d+$/m);
  });
});
