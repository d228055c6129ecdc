// Replays the committed fuzz corpora and crash regressions (native/tools/fuzz) through the public
// API, so every machine (and the sanitizer job) re-checks them without clang: the normaliser
// through encode() of mjpeg input, the MJPEG splitter through a pipe source reading a file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSync, openCamera } from '../../src/index.js';

const FUZZ = new URL('../../native/tools/fuzz/', import.meta.url);

function inputs(kind: 'corpus' | 'regressions', target: string): Array<[string, Buffer]> {
  const dir = new URL(`${kind}/${target}/`, FUZZ);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((name) => [`${kind}/${name}`, readFileSync(new URL(name, dir))]);
}

const work = mkdtempSync(join(tmpdir(), 'turbocam-fuzz-replay-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('fuzz corpora and regressions, replayed', () => {
  const normaliser = [...inputs('corpus', 'mjpeg_normaliser'), ...inputs('regressions', 'mjpeg_normaliser')];
  it.each(normaliser)('normaliser: %s is normalised or refused as corrupt', (_name, data) => {
    try {
      const out = encodeSync(data, { width: 32, height: 24, format: 'mjpeg' });
      expect([out[0], out[1], out.at(-2), out.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ERR_CORRUPT_FRAME');
    }
  });

  // Splitter inputs start with two control bytes for the fuzz target (chunking, size limit).
  const splitter = [...inputs('corpus', 'mjpeg_splitter'), ...inputs('regressions', 'mjpeg_splitter')];
  it.each(splitter)('splitter: %s through a FIFO source yields only whole JPEGs', async (name, data) => {
    const fifo = join(work, name.replace('/', '-'));
    execFileSync('mkfifo', [fifo]);
    const camera = await openCamera({ source: fifo, format: 'mjpeg' });
    const frames: Buffer[] = [];
    camera.on('frame', (frame: { data: Buffer }) => frames.push(frame.data));
    const ended = new Promise<Error & { code?: string }>((resolve) => camera.once('error', resolve));
    // Written after the source has the FIFO open, so no frame can pass before anyone listens.
    writeFileSync(fifo, data.subarray(2));
    expect((await ended).code).toBe('ERR_END_OF_STREAM');
    await camera.close();
    for (const frame of frames) expect([frame[0], frame[1], frame.at(-2), frame.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    // The seed of three whole frames proves the replay reaches the splitter at all.
    if (name === 'corpus/three-frames') expect(frames.length).toBeGreaterThan(0);
  });
});
