// Replays the committed fuzz corpora and crash regressions (native/tools/fuzz) on every machine,
// without clang, two ways:
// - each fuzz target itself, built with g++ and ASan/UBSan around native/tools/fuzz/replay_main.cc,
//   fed each file whole, as the fuzzer ran it: the splitter's first two bytes choose its chunking
//   and its small size limit, which is the path the `*-limit-*` crashers were committed for;
// - the public API: the normaliser through encode() of mjpeg input, the splitter (its input after
//   the two control bytes) through a FIFO source at its real size limit.
// Each input has its expected outcome, so a replay that reaches nothing fails, and so does an
// input without one (a new crasher must say what it should give).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSync, openCamera } from '../../src/index.js';

const FUZZ = fileURLToPath(new URL('../../native/tools/fuzz/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NATIVE = join(ROOT, 'native');

function inputs(target: string): Array<[string, Buffer]> {
  // A missing corpus folder throws (an empty replay would pass without replaying anything);
  // a target may have no regressions yet.
  const found = ['corpus', 'regressions'].flatMap((kind) => {
    const dir = join(FUZZ, kind, target);
    const names = kind === 'corpus' || existsSync(dir) ? readdirSync(dir) : [];
    return names.map((name): [string, Buffer] => [`${kind}/${name}`, readFileSync(join(dir, name))]);
  });
  if (found.length === 0) throw new Error(`no committed fuzz inputs for ${target} under ${FUZZ}`);
  return found;
}

// The splitter under the fuzz target's own limit (64 + 16 × byte 1) and chunking (byte 0), and
// through a FIFO at the real limit (32 MB): [frames, oversized] there, frames split here.
const SPLITTER: Record<string, { fuzz: [number, number]; fifo: number }> = {
  'corpus/garbage-between': { fuzz: [2, 0], fifo: 2 },
  'corpus/no-eoi-then-jpeg.mjpeg': { fuzz: [0, 2], fifo: 2 },
  'corpus/oversized': { fuzz: [0, 2], fifo: 2 },
  'corpus/three-frames': { fuzz: [3, 0], fifo: 3 },
  'corpus/truncated-then-whole': { fuzz: [3, 0], fifo: 3 },
  'regressions/frame-over-limit-in-one-push': { fuzz: [1, 4], fifo: 2 },
  'regressions/segment-past-limit-chunked': { fuzz: [0, 2], fifo: 0 },
};
// The normaliser: normalised, or refused as corrupt.
const NORMALISER: Record<string, 'normalised' | 'ERR_CORRUPT_FRAME'> = {
  'corpus/cut-90.jpg': 'ERR_CORRUPT_FRAME',
  'corpus/ffmpeg-420.jpg': 'normalised',
  'corpus/ffmpeg-422.jpg': 'normalised',
  'corpus/ffmpeg-444.jpg': 'normalised',
  'corpus/no-dht.jpg': 'normalised',
  'corpus/no-eoi-zero-padded.jpg': 'normalised',
  'corpus/no-eoi.jpg': 'normalised',
  'corpus/truncated.jpg': 'ERR_CORRUPT_FRAME',
  'corpus/zero-padded.jpg': 'normalised',
  'regressions/crash-4f83f3b5c27681921e111edeba22d01d919cdf28': 'ERR_CORRUPT_FRAME',
  'regressions/crash-8ae4ebbf468c736785ac3c20434cfa45cb851c0d': 'ERR_CORRUPT_FRAME',
};

const work = mkdtempSync(join(tmpdir(), 'turbocam-fuzz-replay-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const splitter = inputs('mjpeg_splitter');
const normaliser = inputs('mjpeg_normaliser');

describe('every committed input has an expected outcome', () => {
  it('splitter and normaliser', () => {
    expect(splitter.map(([name]) => name).sort()).toEqual(Object.keys(SPLITTER).sort());
    expect(normaliser.map(([name]) => name).sort()).toEqual(Object.keys(NORMALISER).sort());
  });
});

describe('the fuzz targets, replayed as the fuzzer ran them', () => {
  const binaries: Record<string, string> = {};
  // The sources each target links: scripts/fuzz.sh's own list, so the two cannot drift apart.
  const fuzzScript = readFileSync(join(ROOT, 'scripts/fuzz.sh'), 'utf8');
  const targets = Object.fromEntries([...fuzzScript.matchAll(/^\s*\[(\w+)\]="([^"]+)"/gm)].map((m) => [m[1]!, m[2]!.split(' ')]));
  expect(Object.keys(targets).sort()).toEqual(['mjpeg_normaliser', 'mjpeg_splitter']);
  beforeAll(() => {
    for (const [target, sources] of Object.entries(targets)) {
      binaries[target] = join(work, target);
      execFileSync(
        'g++',
        [
          '-std=c++17',
          '-O1',
          '-g',
          '-fsanitize=address,undefined',
          '-fno-sanitize-recover=undefined',
          `-I${NATIVE}`,
          '-DTURBOCAM_FUZZ_REPLAY',
          join(FUZZ, `${target}_fuzz.cc`),
          ...sources.map((s) => join(ROOT, s)),
          join(FUZZ, 'replay_main.cc'),
          '-o',
          binaries[target]!,
        ],
        { stdio: 'pipe' },
      );
    }
  }, 180_000);

  function replay(target: string, data: Buffer): string {
    const file = join(work, `${target}.input`);
    writeFileSync(file, data);
    // A broken invariant aborts and a memory error exits non-zero: execFileSync throws on either.
    return execFileSync(binaries[target]!, [file], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } })
      .slice(file.length + 1)
      .trim();
  }

  it.each(splitter)('splitter: %s keeps its invariants, with the expected frames under its small limit', (name, data) => {
    const [frames, oversized] = SPLITTER[name]!.fuzz;
    expect(replay('mjpeg_splitter', data)).toBe(`frames=${frames} oversized=${oversized}`);
  });

  it.each(normaliser)('normaliser: %s keeps its invariants', (_name, data) => {
    expect(replay('mjpeg_normaliser', data)).toBe('');
  });
});

describe('the committed inputs through the public API', () => {
  it.each(normaliser)('normaliser: %s is normalised or refused as corrupt, as expected', (name, data) => {
    let outcome: string;
    try {
      const out = encodeSync(data, { width: 32, height: 24, format: 'mjpeg' });
      expect([out[0], out[1], out.at(-2), out.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
      outcome = 'normalised';
    } catch (error) {
      outcome = String((error as { code?: string }).code);
    }
    expect(outcome).toBe(NORMALISER[name]);
  });

  it.each(splitter)('splitter: %s through a FIFO source yields the expected whole JPEGs', async (name, data) => {
    const fifo = join(work, name.replace('/', '-'));
    execFileSync('mkfifo', [fifo]);
    const camera = await openCamera({ source: fifo, format: 'mjpeg' });
    const frames: Buffer[] = [];
    camera.on('frame', (frame: { data: Buffer }) => frames.push(frame.data));
    const ended = new Promise<Error & { code?: string }>((resolve) => camera.once('error', resolve));
    // Written after the source has the FIFO open, so no frame can pass before anyone listens.
    writeFileSync(fifo, data.subarray(2));
    expect((await ended).code).toBe('ERR_END_OF_STREAM');
    const stats = camera.stats();
    await camera.close();
    for (const frame of frames) expect([frame[0], frame[1], frame.at(-2), frame.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    // Every frame split from the pipe is delivered or counted as dropped (latest-frame-wins lets
    // a burst through as its newest frame).
    expect(stats.captured).toBe(SPLITTER[name]!.fifo);
    const { busy, late, corrupt, error } = stats.dropped;
    expect(stats.delivered + busy + late + corrupt + error).toBe(stats.captured);
    expect(frames.length).toBe(stats.delivered);
  });
});
