// A busy M2M encoder (EBUSY), as a Pi's codec answers when its contexts are taken. vicodec gives
// every open its own context, so the fault is injected on the real ioctl path: the fault-ioctl
// shim (compiled here with cc) is preloaded into a child process and fails one ioctl with EBUSY on
// the encoder node's file descriptors only, so vivid (the camera) keeps streaming. Covered: busy
// at open (the library rejects, the CLI exits with one line, each naming the node), busy for a
// while at run time (the context is rebuilt, frames stay hardware-coded, no warning), and busy
// for good at run time (a bounded number of rebuilds, then the CPU with one warning, streaming on).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/cli.js';
import { compileFaultShim, nodeNamed, runWithFault } from '../helpers/m2m.js';
import type { Fault } from '../helpers/m2m.js';
import { DEVICE, vividUnavailable } from '../helpers/vivid.js';

const unavailable = await vividUnavailable();
const ENCODER = unavailable === null ? nodeNamed('stateful-encoder') : undefined;
const here = fileURLToPath(new URL('.', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'turbocam-m2m-busy-'));
let shim = '';
const FWHT = '4f4f4f4f';
const options = {
  source: DEVICE,
  format: 'yuyv',
  width: 640,
  height: 360,
  fps: 30,
  controls: { osd_text_mode: 2 },
  encoder: 'm2m-image',
  encoderDevice: ENCODER,
  encoderFormat: 'fwht',
  workers: 1,
};

/** Runs argv under node with the shim preloaded, faulting on the encoder's node. */
function preloaded(argv: string[], fault: Fault) {
  return runWithFault(shim, ENCODER!, argv, fault);
}

function child(fault: Fault, frames: number) {
  const run = preloaded([join(here, '../helpers/m2m-fault-child.mjs'), JSON.stringify(options), String(frames)], fault);
  expect(run.status, run.stderr).toBe(0);
  return { ...JSON.parse(run.stdout.trim().split('\n').at(-1)!), faults: run.faults };
}

describe.skipIf(unavailable !== null || ENCODER === undefined)('a busy M2M encoder (EBUSY injected on its node)', () => {
  beforeAll(() => {
    ensureBuilt();
    shim = compileFaultShim(work);
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('busy at open: m2m-image is refused with EBUSY naming the encoder node', () => {
    const result = child({ request: 'STREAMON' }, 1);
    expect(result.error).toMatchObject({ code: 'EBUSY', path: ENCODER });
    expect(result.error.message).toContain(ENCODER);
    expect(result.faults).toBe(1);
  });

  it('busy at open: the CLI prints one line with EBUSY and the node, and exits 1', () => {
    const run = preloaded(
      [
        CLI,
        '--device',
        DEVICE,
        '--format',
        'yuyv',
        '--resolution',
        '640x360',
        '--port',
        '0',
        '--encoder',
        'm2m-image',
        '--encoder-device',
        ENCODER!,
      ],
      { request: 'S_FMT' },
    );
    expect(run.status).toBe(1);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('turbocam:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/EBUSY/);
    expect(lines[0]).toContain(ENCODER);
    expect(run.faults).toBeGreaterThanOrEqual(1);
  });

  // The open's trial context takes the first two STREAMONs (OUTPUT, CAPTURE); the worker's own
  // context, set up at the first frame, meets the faults after them.
  it('busy for two tries at run time: the context is rebuilt, every frame hardware-coded, no warning', () => {
    const result = child({ request: 'STREAMON', skip: 2, count: 2 }, 8);
    expect(result.faults).toBe(2);
    expect(result.warnings).toEqual([]);
    expect(result.heads).toHaveLength(8);
    expect(result.heads.every((head: string) => head === FWHT)).toBe(true);
    expect(result.encoder).toMatchObject({ kind: 'm2m-image', device: ENCODER, fallback: null });
    expect(result.encoder.hardwareFrames).toBeGreaterThanOrEqual(8);
  });

  it('busy for good at run time: bounded rebuilds, then the CPU with one warning, and the stream goes on', () => {
    const result = child({ request: 'STREAMON', skip: 2 }, 8);
    // The first try and maxRebuilds (3) rebuilds, then no more: the fault is not retried forever.
    expect(result.faults).toBe(4);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ code: 'EBUSY', path: ENCODER, message: expect.stringMatching(/encoding on the CPU/) });
    expect(result.heads).toHaveLength(8);
    expect(result.heads.every((head: string) => head.startsWith('ffd8'))).toBe(true);
    expect(result.encoder).toMatchObject({ kind: 'cpu', chosen: 'm2m-image', hardwareFrames: 0 });
    expect(result.encoder.fallback).toMatch(/hardware encoder failed.*(EBUSY|busy)/i);
  });
});
