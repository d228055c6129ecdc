// The bench's raw part: its arithmetic on hand-worked figures, and one real short run of each
// output (raw encodes nothing, both encodes and copies).
import { describe, expect, it } from 'vitest';
import type { StageFigures } from '../../bench/lib/cost.mjs';
import { benchRaw, rawSection, summarise, type RawRun } from '../../bench/lib/raw-bench.mjs';
import { table } from '../../bench/lib/report.mjs';
import { ensureBuilt } from '../helpers/cli.js';

const run = (output: string, captured: number, ms: StageFigures): RawRun => ({
  output,
  captured,
  jpegs: output === 'raw' ? 0 : captured,
  raws: output === 'jpeg' ? 0 : captured,
  encoded: output === 'raw' ? 0 : captured,
  ns: {
    capture: ms.capture * captured * 1e6,
    encode: ms.encode * captured * 1e6,
    main: ms.main * captured * 1e6,
    other: ms.other * captured * 1e6,
  },
});

describe('bench raw part', () => {
  it('sums rounds per output and compares each total with jpeg', () => {
    const rows = summarise([
      run('jpeg', 100, { capture: 0.2, encode: 2, main: 0.2, other: 0.1 }),
      run('raw', 100, { capture: 0.2, encode: 0.1, main: 0.2, other: 0 }),
      run('both', 100, { capture: 0.2, encode: 2.1, main: 0.3, other: 0.1 }),
      run('jpeg', 300, { capture: 0.2, encode: 2, main: 0.2, other: 0.1 }),
    ]);
    expect(rows.map((r) => [r.output, r.rounds, r.captured])).toEqual([
      ['jpeg', 2, 400],
      ['raw', 1, 100],
      ['both', 1, 100],
    ]);
    expect(rows[0]!.perFrameMs!.total).toBeCloseTo(2.5);
    expect(rows[1]!.vsJpeg).toBeCloseTo(0.5 / 2.5);
    expect(rows[2]!.vsJpeg).toBeCloseTo(2.7 / 2.5);
    expect(rawSection({ width: 1, height: 1, fps: 30, workers: 2, rounds: 1, windowSeconds: 1, outputs: rows }, table).join('\n')).toMatch(
      /raw\s+100\s+0\s+100.*0\.20/,
    );
  });

  it('measures each output for real: raw encodes nothing, both encodes and delivers raw frames', async () => {
    ensureBuilt();
    const result = await benchRaw({ quick: true, log: () => {}, width: 160, height: 120 });
    const [jpeg, raw, both] = result.outputs;
    expect([jpeg?.output, raw?.output, both?.output]).toEqual(['jpeg', 'raw', 'both']);
    expect(raw?.encoded).toBe(0);
    expect(raw?.raws).toBeGreaterThan(0);
    expect(jpeg?.raws).toBe(0);
    expect(both?.encoded).toBeGreaterThan(0);
    expect(both?.raws).toBeGreaterThan(0);
    for (const row of result.outputs) expect(row.perFrameMs?.total).toBeGreaterThan(0);
  });
});
