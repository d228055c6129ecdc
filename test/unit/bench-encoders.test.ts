// The bench's `encoders` part on this machine: the CPU encoder is measured (CPU and latency per
// frame, real JPEGs), and each M2M encoder the machine lacks is a line saying so, not a row.
// No timing is asserted.
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchEncoders, encodersSection, type EncodersResults } from '../../bench/lib/encoders-bench.mjs';
import { table } from '../../bench/lib/report.mjs';
import { ensureBuilt } from '../helpers/cli.js';

const noVideoNodes = !readdirSync('/dev').some((name) => name.startsWith('video'));
let result: EncodersResults;
beforeAll(async () => {
  ensureBuilt();
  result = await benchEncoders({ quick: true, log: () => {} });
}, 60_000);

describe('bench: encoders', () => {
  it('measures the CPU encoder: frames, CPU per frame of its thread and the process, latency per frame, JPEGs of the size', () => {
    const cpu = result.rows.find((r) => r.encoder === 'cpu')!;
    expect(cpu).toMatchObject({ available: true, jpeg: { width: 1280, height: 720, sizeMatches: true } });
    expect(cpu.frames).toBeGreaterThan(0);
    expect(cpu.encoderCpuMsPerFrame).toBeGreaterThan(0);
    expect(cpu.processCpuMsPerFrame).toBeGreaterThanOrEqual(cpu.encoderCpuMsPerFrame!);
    expect(cpu.latencyMs!.median).toBeGreaterThan(0);
  });

  it.skipIf(!noVideoNodes)('says that this machine (no /dev/video*) has no M2M encoder, for each kind', () => {
    for (const kind of ['m2m-image', 'm2m-video']) {
      expect(result.rows.find((r) => r.encoder === kind)).toMatchObject({
        available: false,
        reason: expect.stringMatching(/^no V4L2 M2M encoder/),
      });
    }
    const lines = encodersSection(result, table);
    expect(lines[0]).toMatch(/^Encoders: test pattern 1280x720 yuyv at 30 fps/);
    expect(lines[1]).toMatch(/\ncpu +\d/);
    expect(lines).toContainEqual(expect.stringMatching(/^m2m-image: not on this machine \(no V4L2 M2M encoder from YUYV to JPEG/));
    expect(lines).toContainEqual(expect.stringMatching(/^m2m-video: not on this machine \(no V4L2 M2M encoder from YUYV to MJPG/));
  });
});
