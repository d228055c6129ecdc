// Builds and runs the C ceiling (bench/ceiling/ceiling.c): libjpeg-turbo called directly.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../ceiling/ceiling.c', import.meta.url));

/** Compiles the ceiling into buildDir with cc and pkg-config's libturbojpeg flags (once per
 *  source change); returns the binary's path. Throws with the compiler's message on failure. */
export function buildCeiling(buildDir) {
  mkdirSync(buildDir, { recursive: true });
  const binary = join(buildDir, 'ceiling');
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(SOURCE).mtimeMs) return binary;
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libturbojpeg'], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Wshadow', '-o', binary, SOURCE, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  return binary;
}

/** Encodes `input` (a raw frame file) for `seconds`; returns { frames, fps, cpuFps, bytes, ... }. */
export function runCeiling(binary, { format, width, height, quality, input, seconds, output }) {
  const args = [format, String(width), String(height), String(quality), input, String(seconds)];
  if (output) args.push(output);
  return JSON.parse(execFileSync(binary, args, { encoding: 'utf8' }));
}
