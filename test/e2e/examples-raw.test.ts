// The raw-frame examples run as users run them (node, importing 'turbocam' by name from the built
// package): the RGB conversion matches the reference maths on the test pattern, and the motion
// detector logs motion exactly when a FIFO's picture changes, and nothing on a static picture.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { testPattern } from '../../src/index.js';
import { ensureBuilt } from '../helpers/cli.js';
import { colourBarMismatches } from '../helpers/colour-bars.js';
import { frameToRgb, psnr } from '../helpers/pixels.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'turbocam-examples-'));

beforeAll(() => ensureBuilt());

/** Runs an example to its end; its stdout as JSON lines. */
function runExample(name: string, args: string[]): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'examples', name), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${name} exited ${code}: ${stderr}`));
      else
        resolve(
          stdout
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>),
        );
    });
  });
}

function readPpm(path: string): { width: number; height: number; rgb: Buffer } {
  const data = readFileSync(path);
  const header = /^P6\n(\d+) (\d+)\n255\n/.exec(data.subarray(0, 32).toString('latin1'));
  if (!header) throw new Error('not a binary PPM');
  return { width: Number(header[1]), height: Number(header[2]), rgb: data.subarray(header[0].length) };
}

describe('examples/raw-rgb.mjs', () => {
  it.each(['yuyv', 'nv12'] as const)('converts %s raw frames to the RGB of the reference maths, encoding nothing', async (format) => {
    const out = join(dir, `${format}.ppm`);
    const width = 320;
    const height = 240;
    const lines = await runExample('raw-rgb.mjs', [
      '--source',
      'testsrc',
      '--format',
      format,
      '--width',
      String(width),
      '--height',
      String(height),
      '--frames',
      '6',
      '--out',
      out,
    ]);
    const summary = lines.at(-1) as { done: number; encoded: number; raw: { delivered: number } };
    expect(summary).toMatchObject({ done: 6, encoded: 0 });
    const last = lines.at(-2) as { sequence: number };
    const image = readPpm(out);
    expect([image.width, image.height]).toEqual([width, height]);
    // The test pattern drawn about then (its clock may run a few frames ahead of the sequence),
    // converted by the tests' own reference: equal but for rounding.
    const best = Math.max(
      ...Array.from({ length: 8 }, (_, k) =>
        psnr(image.rgb, frameToRgb(testPattern({ width, height, format, frame: last.sequence + k }), format, width, height)),
      ),
    );
    expect(best).toBeGreaterThan(45);
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) rgba.set([image.rgb[3 * i]!, image.rgb[3 * i + 1]!, image.rgb[3 * i + 2]!, 255], 4 * i);
    expect(colourBarMismatches({ width, height, data: rgba }, 0.05, 0.6)).toEqual([]);
  });
});

describe('examples/motion.mjs', () => {
  const width = 160;
  const height = 120;

  /** Feeds grey frames to a FIFO from another process: frame i shows a bright box from `changeAt` on. */
  function feed(fifo: string, frames: number, changeAt: number): void {
    const script = `
      const fs = require('fs');
      const fd = fs.openSync(${JSON.stringify(fifo)}, 'w');
      let i = 0;
      const timer = setInterval(() => {
        const frame = Buffer.alloc(${width * height});
        for (let y = 0; y < ${height}; y++) for (let x = 0; x < ${width}; x++) frame[y * ${width} + x] = 40 + ((x + y) & 63);
        if (i >= ${changeAt}) for (let y = 30; y < 90; y++) frame.fill(230, y * ${width} + 40, y * ${width} + 120);
        fs.writeSync(fd, frame);
        if (++i === ${frames}) { clearInterval(timer); fs.closeSync(fd); }
      }, 20);`;
    spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
  }

  async function detect(name: string, frames: number, changeAt: number): Promise<Array<Record<string, unknown>>> {
    const fifo = join(dir, `${name}.fifo`);
    execFileSync('mkfifo', [fifo]);
    const run = runExample('motion.mjs', ['--source', fifo, '--format', 'grey', '--width', String(width), '--height', String(height)]);
    feed(fifo, frames, changeAt);
    return run;
  }

  it('logs motion at the frame where the picture changes, then still once it stops changing', async () => {
    const lines = await detect('change', 60, 30);
    const events = lines.filter((line) => line.event === 'motion' || line.event === 'still');
    // A pipe keeps every frame, so sequence numbers are the writer's frame numbers.
    expect(events.map((e) => [e.event, e.sequence])).toEqual([
      ['motion', 30],
      ['still', 31],
    ]);
    expect(lines.at(-1)).toMatchObject({ event: 'end', raw: { delivered: 60 } });
  });

  it('logs no motion on a static picture', async () => {
    const lines = await detect('static', 40, Number.MAX_SAFE_INTEGER);
    expect(lines.filter((line) => line.event === 'motion')).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ event: 'end', raw: { delivered: 40 } });
  });
});
