// For the M2M encoder suites in test/v4l2: the harness's memory-to-memory nodes (vicodec, vim2m)
// by name, reloading their modules with other options, and checking vicodec's FWHT output by
// decoding it with vicodec's own decoder against a raw frame captured from vivid.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** An FWHT frame decoded by vicodec's stateful decoder (to I420, the format it was coded from). */
export function decodeFwht(work: string, decoder: string, coded: Uint8Array): Buffer {
  const input = join(work, 'frame.fwht');
  const output = join(work, 'decoded.yuv');
  writeFileSync(input, coded);
  execFileSync(
    'v4l2-ctl',
    ['-d', decoder, '--stream-mmap', '--stream-out-mmap', `--stream-from=${input}`, `--stream-to=${output}`, '--stream-count=1'],
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
