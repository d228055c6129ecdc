// For the M2M encoder suites in test/v4l2: the harness's memory-to-memory nodes (vicodec, vim2m)
// by name, reloading their modules with other options, and checking vicodec's FWHT output by
// decoding it with vicodec's own decoder against a raw frame captured from vivid.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST } from './cli.js';
import { DEVICE } from './vivid.js';

/** /dev/videoN of the video4linux node with this name (vicodec's nodes are named by role). */
export function nodeNamed(name: string): string | undefined {
  for (const entry of readdirSync('/sys/class/video4linux')) {
    if (readFileSync(`/sys/class/video4linux/${entry}/name`, 'utf8').trim() === name) return `/dev/${entry}`;
  }
  return undefined;
}

/** Unloads a module and loads it again with these options, then waits for its node to appear
 *  (no udev in the guest: devtmpfs makes it). Inside the VM only. */
export function reloadModule(module: string, options: string[], node: string): string {
  execFileSync('modprobe', ['-r', module]);
  execFileSync('modprobe', [module, ...options]);
  for (let i = 0; i < 100; i++) {
    const path = nodeNamed(node);
    if (path !== undefined && existsSync(path)) return path;
    execFileSync('sleep', ['0.1']);
  }
  throw new Error(`${module} loaded but no ${node} node appeared`);
}

/** One raw I420 frame straight from vivid, as the reference. */
export function vividReference(work: string, width: number, height: number): Buffer {
  const file = join(work, 'reference.yuv');
  execFileSync(
    'v4l2-ctl',
    [
      '-d',
      DEVICE,
      `--set-fmt-video=width=${width},height=${height},pixelformat=YU12`,
      '-c',
      'osd_text_mode=2',
      '--stream-mmap',
      '--stream-skip=2',
      '--stream-count=1',
      `--stream-to=${file}`,
    ],
    { stdio: 'pipe' },
  );
  return readFileSync(file);
}

/** FWHT frames decoded by vicodec's stateful decoder (to I420, the format they were coded from):
 *  one frame, or `count` frames of a stream (a GOP's P-frames need the frames before them). */
export function decodeFwht(work: string, decoder: string, coded: Uint8Array, count = 1): Buffer {
  const input = join(work, 'frame.fwht');
  const output = join(work, 'decoded.yuv');
  writeFileSync(input, coded);
  execFileSync(
    'v4l2-ctl',
    ['-d', decoder, '--stream-mmap', '--stream-out-mmap', `--stream-from=${input}`, `--stream-to=${output}`, `--stream-count=${count}`],
    { stdio: 'pipe', timeout: 60_000 },
  );
  return readFileSync(output);
}

/** The visible width x height of an I420 image whose buffer may be aligned to more lines. */
export function visibleI420(image: Buffer, width: number, height: number): Buffer {
  const lines = image.length / (width * 1.5);
  if (lines === height) return image;
  const chroma = (width / 2) * (lines / 2);
  return Buffer.concat([
    image.subarray(0, width * height),
    image.subarray(width * lines, width * lines + (width / 2) * (height / 2)),
    image.subarray(width * lines + chroma, width * lines + chroma + (width / 2) * (height / 2)),
  ]);
}

/** The capability names v4l2-ctl lists under "Device Caps" for a node. */
export function capsOf(node: string): string[] {
  const info = execFileSync('v4l2-ctl', ['-d', node, '--info'], { encoding: 'utf8' });
  const caps = info.split('Device Caps')[1]?.split('\n').slice(1) ?? [];
  const end = caps.findIndex((line) => !line.startsWith('\t\t'));
  return caps.slice(0, end === -1 ? undefined : end).map((line) => line.trim());
}

/** An ioctl the fault-ioctl shim fails with EBUSY: after the first `skip` calls, `count` times
 *  (default: always). */
export interface Fault {
  request: 'STREAMON' | 'S_FMT';
  skip?: number;
  count?: number;
}

/** The fault-ioctl shim (fault-ioctl.c), built into dir for this machine with cc at test time (no
 *  binary is committed); its path. */
export function compileFaultShim(dir: string): string {
  const shim = join(dir, 'fault-ioctl.so');
  const source = fileURLToPath(new URL('./fault-ioctl.c', import.meta.url));
  const result = spawnSync('cc', ['-shared', '-fPIC', '-O1', '-o', shim, source, '-ldl'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cc failed: ${result.stderr}`);
  return shim;
}

/** Runs argv under node with the shim preloaded, faulting on device's file descriptors only;
 *  stdout, stderr and how many faults it injected. */
export function runWithFault(
  shim: string,
  device: string,
  argv: string[],
  fault: Fault,
): { status: number | null; stdout: string; stderr: string; faults: number } {
  const result = spawnSync(process.execPath, argv, {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      LD_PRELOAD: shim,
      TURBOCAM_DIST: DIST,
      TURBOCAM_FAULT_DEVICE: device,
      TURBOCAM_FAULT_REQUEST: fault.request,
      TURBOCAM_FAULT_SKIP: String(fault.skip ?? 0),
      TURBOCAM_FAULT_COUNT: String(fault.count ?? -1),
    },
  });
  const faults = result.stderr.split('\n').filter((line) => line === 'turbocam-fault: EBUSY').length;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, faults };
}
