// The bench's own machinery: the C ceiling it compiles, the multipart reader its clients use, and
// the report / comparison it prints, on real measurements. No timing is asserted.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { BOARDS, ESTIMATE_FACTOR, boardEstimates, renderBoardEstimates } from '../../bench/lib/board-estimate.mjs';
import { buildCeiling, runCeiling } from '../../bench/lib/ceiling.mjs';
import {
  combineRounds,
  costTargets,
  perClientIncrement,
  perFrameMs,
  renderCost,
  stageNs,
  stageOf,
  wholeReach,
} from '../../bench/lib/cost.mjs';
import { benchEncoder, type EncoderResults } from '../../bench/lib/encoder-bench.mjs';
import { benchFrame, dumpFrame, toRgb } from '../../bench/lib/frames.mjs';
import { MjpegReader, timestampMs, type MjpegPart } from '../../bench/lib/mjpeg-reader.mjs';
import { encodeRatio, evaluateTargets, renderComparison, renderReport, table } from '../../bench/lib/report.mjs';
import { quantile } from '../../bench/lib/stats.mjs';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function meanAbsDiff(a: Uint8Array, b: Uint8Array, channelsA: number, channelsB: number): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p * channelsA < a.length; p++) {
    for (let c = 0; c < 3; c++) {
      sum += Math.abs((a[p * channelsA + c] ?? 0) - (b[p * channelsB + c] ?? 0));
      n += 1;
    }
  }
  return sum / n;
}

describe('the C ceiling', () => {
  for (const format of ['yuyv', 'nv12', 'rgb24']) {
    it(`compiles and encodes ${format} into a JPEG that jpeg-js decodes to the input picture`, async () => {
      const [width, height] = [160, 96];
      const binary = buildCeiling(join(dir, 'build'));
      const { data } = await benchFrame(format, width, height);
      const input = dumpFrame(dir, format, width, height, data);
      const output = join(dir, `${format}.jpg`);
      const run = runCeiling(binary, { format, width, height, quality: 80, input, seconds: 0, output });
      expect(run.frames).toBeGreaterThanOrEqual(3);
      const file = readFileSync(output);
      expect(run.bytes).toBe(file.length);
      const decoded = jpeg.decode(file, { useTArray: true });
      expect([decoded.width, decoded.height]).toEqual([width, height]);
      const expected = toRgb(data, format, width, height, 3);
      // Close to the input, and the input is a picture (bars, gradient), not a flat field that
      // any broken encoder would also reproduce.
      expect(meanAbsDiff(expected, decoded.data, 3, 4)).toBeLessThan(8);
      expect(meanAbsDiff(expected, Buffer.alloc(expected.length, expected[0]), 3, 3)).toBeGreaterThan(20);
    });
  }
});

/** A multipart stream as turbocam serves it: parts with Content-Length, X-Timestamp, X-Sequence. */
function multipart(jpegs: Buffer[]): Buffer {
  const chunks: Buffer[] = [Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\n\r\n')];
  jpegs.forEach((body, sequence) => {
    chunks.push(
      Buffer.from(
        `--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${body.length}\r\nX-Timestamp: ${1000 + sequence * 33.5}\r\nX-Sequence: ${sequence}\r\n\r\n`,
      ),
      body,
      Buffer.from('\r\n'),
    );
  });
  return Buffer.concat(chunks);
}

describe('MjpegReader', () => {
  const jpegs = [0, 1, 2, 3, 4].map((i) =>
    Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(500 + i * 97, i), Buffer.from([0xff, 0xd9])]),
  );
  const stream = multipart(jpegs);

  it('finds every part however the stream is split into chunks', () => {
    for (let size = 1; size <= 13; size++) {
      const parts: MjpegPart[] = [];
      const reader = new MjpegReader({
        onPart: (p) => parts.push(p),
        onError: (e) => {
          throw e;
        },
      });
      for (let off = 0; off < stream.length; off += size) reader.push(stream.subarray(off, off + size));
      expect(parts.map((p) => [p.sequence, p.bytes, p.timestamp, p.jpeg])).toEqual(
        jpegs.map((j, i) => [i, j.length, 1000 + i * 33.5, true]),
      );
    }
  });

  it('reads a real HTTP /stream over a socket', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=b' });
      for (const [sequence, body] of jpegs.entries()) {
        res.write(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${body.length}\r\nX-Timestamp: 5\r\nX-Sequence: ${sequence}\r\n\r\n`);
        res.write(body);
        res.write('\r\n');
      }
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const parts: MjpegPart[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new MjpegReader({ onPart: (p) => parts.push(p) });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.write('GET /stream HTTP/1.0\r\n\r\n');
    await once(socket, 'close');
    server.close();
    expect(parts.map((p) => p.sequence)).toEqual([0, 1, 2, 3, 4]);
    expect(parts.every((p) => p.jpeg)).toBe(true);
  });

  it('reads X-Timestamp in seconds (µStreamer) or milliseconds against the local clock', () => {
    const now = Number(process.hrtime.bigint()) / 1e6;
    expect(timestampMs((now - 20) / 1000, now)).toBeCloseTo(now - 20, 6);
    expect(timestampMs(now - 20, now)).toBe(now - 20);
  });

  it('reports a part without Content-Length instead of guessing', () => {
    const errors: Error[] = [];
    const reader = new MjpegReader({ onPart: () => {}, onError: (e) => errors.push(e) });
    reader.push(Buffer.from('HTTP/1.0 200 OK\r\n\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8'));
    expect(errors.map((e) => e.message)).toEqual(['part without Content-Length']);
  });
});

describe('report', () => {
  const tiny = {
    sizes: [[96, 64]] as Array<[number, number]>,
    formats: ['yuyv', 'rgb24'],
    trialSeconds: 0.02,
    trials: 1,
    quick: true,
    log: () => {},
  };
  let first: EncoderResults;
  let second: EncoderResults;

  it('evaluates the encode targets from the measured rows', async () => {
    first = await benchEncoder({ buildDir: join(dir, 'build'), ...tiny });
    const rows = first.rows;
    expect(rows.map((r) => `${r.width}x${r.height} ${r.format}`)).toEqual(['96x64 yuyv', '96x64 rgb24']);
    for (const row of rows)
      for (const name of ['ceiling', 'ffmpeg', 'sharp', 'jpeg-turbo (npm)', 'jpeg-js'])
        expect(row.contestants[name]?.fps).toBeGreaterThan(0);
    const targets = evaluateTargets({ encoder: first });
    const ceiling = targets.find((t) => t.id === 'encode-ceiling');
    const ratios = rows.map((r) => encodeRatio(r, 'ceiling'));
    if (ratios.every((r) => r != null)) {
      const worst = Math.min(...(ratios as number[]));
      expect(ceiling?.value).toBe(worst);
      expect(ceiling?.status).toBe(worst >= 0.95 ? 'PASS' : 'MISS');
    } else {
      expect(ceiling?.status).toBe('N/A');
    }
    // Parts that did not run are N/A, never PASS.
    expect(targets.find((t) => t.id === 'startup')?.status).toBe('N/A');
    const text = renderReport({ encoder: first });
    expect(text).toContain('96x64 yuyv');
    expect(text).toContain(`${ceiling?.status}  `);
  });

  it('compares two runs metric by metric', async () => {
    second = await benchEncoder({ buildDir: join(dir, 'build'), ...tiny });
    const text = renderComparison({ encoder: second }, { encoder: first });
    const line = text.split('\n').find((l) => l.startsWith('encode 96x64 yuyv ceiling fps'));
    const before = first.rows[0]?.contestants.ceiling?.fps ?? NaN;
    const after = second.rows[0]?.contestants.ceiling?.fps ?? NaN;
    const change = ((after - before) / before) * 100;
    expect(line).toContain(before.toFixed(2));
    expect(line).toContain(after.toFixed(2));
    expect(line).toContain(`${change >= 0 ? '+' : ''}${change.toFixed(1)}%`);
  });

  it('quantile is nearest-rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
  });
});

describe('the Pi estimate', () => {
  let run: EncoderResults;
  const fps = (r: EncoderResults['rows'][number], who: string) => r.contestants[who]?.fps ?? NaN;
  // A run with round figures, so each estimate below is worked by hand.
  const row = (width: number, height: number, ceiling: number, turbocam: number) => ({
    width,
    height,
    format: 'yuyv',
    contestants: { ceiling: { fps: ceiling }, turbocam: { fps: turbocam } },
  });
  const handRun = { rows: [row(1280, 720, 400, 440), row(640, 480, 1200, 1500), row(1920, 1080, 200, 180)] };

  it('works out each board from the anchors (Pi 4 80, Pi 5 150 fps at 720p yuyv) as by hand', () => {
    expect(BOARDS.map((b) => b.ceilingFps)).toEqual([80, 150]);
    expect(ESTIMATE_FACTOR).toBe(1.5);
    const estimate = boardEstimates({ encoder: handRun });
    if ('error' in estimate) throw new Error(estimate.error);
    const figures = estimate.boards.map((b) => [b.board, b.rows.map((r) => [r.frame, r.ceilingFps, r.turbocamFps, r.low, r.high])]);
    // 720p: turbocam/ceiling = 440/400 = 1.1, so Pi 4 80 x 1.1 = 88 (58.7 to 132), Pi 5 150 x 1.1 = 165.
    // 480p costs 400/1200 of 720p: Pi 4 ceiling 80 x 3 = 240, x 1500/1200 = 300; Pi 5 450, 562.5.
    // 1080p costs 2x 720p: Pi 4 ceiling 40, x 180/200 = 36; Pi 5 75, 67.5.
    expect(figures).toEqual(
      [
        [
          'Pi 4',
          [
            ['1280x720 yuyv', 80, 88, 88 / 1.5, 132],
            ['640x480 yuyv', 240, 300, 200, 450],
            ['1920x1080 yuyv', 40, 36, 24, 54],
          ],
        ],
        [
          'Pi 5',
          [
            ['1280x720 yuyv', 150, 165, 110, 247.5],
            ['640x480 yuyv', 450, 562.5, 375, 843.75],
            ['1920x1080 yuyv', 75, 67.5, 45, 101.25],
          ],
        ],
      ].map(([board, rows]) => [board, (rows as number[][]).map((r) => r.map((v) => (typeof v === 'number' ? expect.closeTo(v, 6) : v)))]),
    );
  });

  it('works out a posted board run from its own ceilings, as by hand', () => {
    const posted = {
      startedAt: 'posted',
      machine: { cpuModel: 'Cortex-A76', cpus: 4, libturbojpeg: '2.1.5' },
      encoder: { rows: [row(1280, 720, 120, 0), row(640, 480, 360, 0)] },
    };
    const estimate = boardEstimates({ encoder: handRun }, posted);
    if ('error' in estimate) throw new Error(estimate.error);
    // 120 x 1.1 = 132 and 360 x 1.25 = 450; the posted run has no 1080p ceiling, so no 1080p row.
    expect(estimate.boards.map((b) => [b.board, b.rows.map((r) => [r.frame, r.turbocamFps, r.low, r.high])])).toEqual([
      [
        'Cortex-A76',
        [
          ['1280x720 yuyv', expect.closeTo(132, 6), expect.closeTo(132, 6), expect.closeTo(132, 6)],
          ['640x480 yuyv', expect.closeTo(450, 6), expect.closeTo(450, 6), expect.closeTo(450, 6)],
        ],
      ],
    ]);
  });

  it('prints the estimate for a real run, one row per measured frame', async () => {
    run = await benchEncoder({
      buildDir: join(dir, 'build'),
      sizes: [
        [1280, 720],
        [320, 240],
      ],
      formats: ['yuyv', 'nv12'],
      trialSeconds: 0.02,
      trials: 1,
      quick: true,
      log: () => {},
    });
    const estimate = boardEstimates({ encoder: run });
    if ('error' in estimate) throw new Error(estimate.error);
    expect(estimate.boards.map((b) => b.board)).toEqual(BOARDS.map((b) => b.board));
    for (const board of estimate.boards) {
      expect(board.rows.map((r) => r.frame)).toEqual(run.rows.map((r) => `${r.width}x${r.height} ${r.format}`));
    }
    const text = renderReport({ encoder: run });
    expect(text).toContain('Pi 4 / Pi 5 ESTIMATE, not measured on a Pi');
    const line = text.split('\n').find((l) => l.startsWith('1280x720 yuyv') && l.includes('-'));
    expect(line).toContain(estimate.boards[0]!.rows[0]!.turbocamFps.toFixed(0));
    expect(text).toMatch(/stream at 30 fps takes about \d+% of one Pi 4 core, \d+% of one Pi 5 core/);
  });

  it("carries the cost part's whole-process CPU per frame onto each board the same way", () => {
    // 720p yuyv: ceiling 440 fps here, the whole process 4.4 ms a frame (227.3 frames per CPU-second,
    // 0.517 of the ceiling). Pi 4: 80 x 0.517 = 41.3 fps, 30 fps takes 73 %; Pi 5: 150 x 0.517 = 77.5, 39 %.
    const encoder = {
      rows: [{ width: 1280, height: 720, format: 'yuyv', contestants: { turbocam: { fps: 500 }, ceiling: { fps: 440 } } }],
    };
    const cost = { rows: [{ source: 'fifo', width: 1280, height: 720, clients: 1, perFrameMs: { total: 4.4 } }] };
    const estimate = boardEstimates({ encoder, cost });
    if ('error' in estimate) throw new Error(estimate.error);
    expect(estimate.boards[0]!.rows[0]!.wholeFps).toBeCloseTo(41.32, 2);
    expect(estimate.boards[1]!.rows[0]!.wholeFps).toBeCloseTo(77.48, 2);
    const text = renderBoardEstimates(estimate, table).join('\n');
    expect(text).toMatch(/1280x720 yuyv\s+41\s+77/);
    expect(text).toContain('The whole process streaming it to one viewer: about 73% of one Pi 4 core, 39% of one Pi 5 core.');
    // Without the cost part there is no whole-process line.
    const alone = boardEstimates({ encoder });
    if ('error' in alone) throw new Error(alone.error);
    expect(alone.boards[0]!.rows[0]!.wholeFps).toBeNull();
  });

  it('prints a posted board run as a prediction, with no range', () => {
    const posted = {
      startedAt: 'posted',
      machine: { cpuModel: 'Cortex-A76', cpus: 4, libturbojpeg: '2.1.5' },
      encoder: { ...run, rows: run.rows.map((r) => ({ ...r, contestants: { ceiling: { fps: fps(r, 'ceiling') / 3 } } })) },
    };
    const estimate = boardEstimates({ encoder: run }, posted);
    if ('error' in estimate) throw new Error(estimate.error);
    expect(estimate.factor).toBe(1);
    expect(estimate.boards[0]!.board).toBe('Cortex-A76');
    const text = renderBoardEstimates(estimate, table).join('\n');
    expect(text).toContain('PREDICTION from a posted board run');
    expect(text).not.toContain('range');
  });

  it('the bench exits non-zero when a part fails, after recording it (elsewhere than bench/results)', () => {
    const saved = join('bench/results', 'latest.json');
    const before = existsSync(saved) ? readFileSync(saved) : null;
    const out = join(dir, 'results');
    const bench = spawnSync(process.execPath, ['bench/run.mjs', '--only', 'startup', '--cli', join(dir, 'no-such-cli.js'), '--out', out], {
      encoding: 'utf8',
    });
    expect(bench.status).toBe(1);
    expect(bench.stderr).toMatch(/startup failed: CLI not built/);
    expect(bench.stderr).toMatch(/FAILED: startup/);
    expect(JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')).startup).toEqual({ error: expect.stringMatching(/CLI not built/) });
    // A developer's last real run stays where it was.
    expect(existsSync(saved) ? readFileSync(saved) : null).toEqual(before);
  });

  it('says why when a run cannot support an estimate', () => {
    expect(boardEstimates({})).toEqual({ error: 'the encoder part did not run' });
    const small = { ...run, rows: run.rows.filter((r) => r.width !== 1280) };
    expect(boardEstimates({ encoder: small })).toEqual({ error: 'no 1280x720 yuyv ceiling in this run' });
    expect(boardEstimates({ encoder: run }, { machine: {} })).toEqual({ error: 'the posted run has no encoder rows' });
    expect(renderReport({ encoder: small })).toContain('Pi 4 / Pi 5 ESTIMATE: not made (no 1280x720 yuyv ceiling in this run).');
  });
});

// The cost part's arithmetic (issue 11) on figures worked out by hand.
describe('the cost part', () => {
  it('bills each thread to its stage by tid and name', () => {
    expect(stageOf(100, 100, 'node')).toBe('main');
    expect(stageOf(100, 101, 'tc-capture')).toBe('capture');
    expect(stageOf(100, 102, 'tc-enc-0')).toBe('encode');
    expect(stageOf(100, 103, 'tc-enc-12')).toBe('encode');
    expect(stageOf(100, 104, 'node')).toBe('other');
    expect(stageOf(100, 105, 'tc-encoder')).toBe('other');
  });

  it('turns two schedstat samples into ms per frame by stage', () => {
    const before = [
      { tid: 100, comm: 'node', ns: 1_000_000_000 },
      { tid: 101, comm: 'tc-capture', ns: 200_000_000 },
      { tid: 102, comm: 'tc-enc-0', ns: 500_000_000 },
    ];
    // +30 ms main, +6 ms capture, +60 ms on tc-enc-0 and 15 ms on tc-enc-1 (started in between), 3 ms on a new pool thread.
    const after = [
      { tid: 100, comm: 'node', ns: 1_030_000_000 },
      { tid: 101, comm: 'tc-capture', ns: 206_000_000 },
      { tid: 102, comm: 'tc-enc-0', ns: 560_000_000 },
      { tid: 103, comm: 'tc-enc-1', ns: 15_000_000 },
      { tid: 104, comm: 'node', ns: 3_000_000 },
    ];
    const ns = stageNs(100, before, after);
    expect(ns).toEqual({ capture: 6_000_000, encode: 75_000_000, main: 30_000_000, other: 3_000_000 });
    const perFrame = perFrameMs(ns, 30)!;
    expect(perFrame.capture).toBeCloseTo(0.2, 9);
    expect(perFrame.encode).toBeCloseTo(2.5, 9);
    expect(perFrame.main).toBeCloseTo(1.0, 9);
    expect(perFrame.other).toBeCloseTo(0.1, 9);
    expect(perFrame.total).toBeCloseTo(3.8, 9);
    expect(perFrameMs(ns, 0)).toBeNull();
    // 0.6 ms at 1 client, 1.5 ms at 10: 0.1 ms for each of the 9 more.
    expect(perClientIncrement(0.6, 1.5, 10)).toBeCloseTo(0.1, 9);
    expect(perClientIncrement(null, 1.5, 10)).toBeNull();
  });

  it('sums interleaved rounds by their frames, not by averaging their ratios', () => {
    const stages = (capture: number, encode: number, main: number, other: number) => ({ capture, encode, main, other });
    const sample = { source: 'fifo', width: 1280, height: 720, clients: 1, seconds: 4 };
    // 120 frames at 3 ms and 60 frames (a slow round) at 6 ms: 720 ms over 180 frames = 4 ms, where
    // the mean of the two rounds' figures would say 4.5.
    const row = combineRounds([
      { ...sample, frames: 120, ns: stages(60e6, 240e6, 48e6, 12e6), clientFpsMin: 30 },
      { ...sample, frames: 60, ns: stages(60e6, 240e6, 48e6, 12e6), clientFpsMin: 15 },
    ]);
    expect(row).toMatchObject({
      source: 'fifo',
      width: 1280,
      height: 720,
      clients: 1,
      rounds: 2,
      frames: 180,
      seconds: 8,
      clientFpsMin: 15,
    });
    expect(row.fps).toBeCloseTo(22.5, 9);
    expect(row.perFrameMs!.capture).toBeCloseTo(120 / 180, 9);
    expect(row.perFrameMs!.total).toBeCloseTo(4, 9);
    expect(combineRounds([{ ...sample, frames: 0, ns: stages(1, 1, 1, 1), clientFpsMin: null }]).perFrameMs).toBeNull();
  });

  it('states each target as PASS or MISS against the paced encodeSync, with the hot ratio, its size and largest share', () => {
    const cost = {
      subsampling: '420',
      rows: [
        {
          source: 'fifo',
          width: 1280,
          height: 720,
          clients: 1,
          perFrameMs: { capture: 0.3, encode: 2.2, main: 0.6, other: 0.2, total: 3.3 },
        },
        {
          source: 'fifo',
          width: 1280,
          height: 720,
          clients: 10,
          perFrameMs: { capture: 0.3, encode: 2.2, main: 1.86, other: 0.2, total: 4.56 },
        },
        {
          source: 'fifo',
          width: 640,
          height: 480,
          clients: 1,
          perFrameMs: { capture: 0.1, encode: 0.5, main: 0.5, other: 0.0, total: 1.1 },
        },
      ],
      encodeSync: [
        { width: 1280, height: 720, msPerFrame: 1.6, pacedMsPerFrame: 2.0 },
        { width: 640, height: 480, msPerFrame: 0.4, pacedMsPerFrame: 0.5 },
      ],
      floor: [
        { width: 1280, height: 720, clients: 1, msPerFrame: 0.5 },
        { width: 1280, height: 720, clients: 10, msPerFrame: 1.4 },
        { width: 640, height: 480, clients: 1, msPerFrame: 0.45 },
      ],
    };
    const byId = new Map(costTargets(cost).map((t) => [t.id, t]));
    // 3.3 / 2.0 (paced) = 1.65 against 1.45: missed by 14 %; against the hot 1.6 ms it is 2.06x.
    // JS main (0.6 ms) is the largest share (encode beyond paced is 0.2). Floor + paced = 2.5 ms
    // = 1.25x paced, inside 1.45 x 2.0 = 2.9 ms: reachable, 0.4 ms left.
    const whole = byId.get('cost-whole-1280x720')!;
    expect(whole.status).toBe('MISS');
    expect(whole.value).toBeCloseTo(1.65, 9);
    expect(whole.detail).toContain('MISS by 14 %');
    expect(whole.detail).toContain('hot loop 1.600 ms: 2.06x');
    expect(whole.detail).toContain('floor + paced encodeSync 2.500 ms = 1.25x paced: reachable, 0.400 ms/frame left');
    expect(whole.detail).toContain('largest share: JS main 0.600 ms/frame');
    // 2.2 / 2.0 = 1.1 <= 1.15 paced (the hot 1.6 ms would make it 1.375x, a miss).
    expect(byId.get('cost-encode-fifo-1280x720')).toMatchObject({ status: 'PASS' });
    expect(byId.get('cost-encode-fifo-1280x720')!.value).toBeCloseTo(1.1, 9);
    expect(byId.get('cost-encode-fifo-1280x720')!.detail).toContain('hot loop 1.600 ms: 1.38x');
    expect(byId.get('cost-main-fifo-1280x720')!.value).toBeCloseTo(1.2, 9);
    // 0.652 / 0.5 = 1.304, over 1.3 by 0.3 %: a miss that does not round to "by 0 %".
    const hair = {
      ...cost,
      rows: [
        {
          source: 'fifo',
          width: 1280,
          height: 720,
          clients: 1,
          perFrameMs: { capture: 0.3, encode: 2.2, main: 0.652, other: 0.2, total: 3.352 },
        },
      ],
    };
    expect(costTargets(hair).find((t) => t.id === 'cost-main-fifo-1280x720')!.detail).toContain('MISS by <1 %');
    // 480p: 1.1 / 0.5 = 2.2 against 1.8. Floor + paced = 0.95 ms, above 1.8 x 0.5 = 0.9: out of reach.
    const small = byId.get('cost-whole-640x480')!;
    expect(small.status).toBe('MISS');
    expect(small.value).toBeCloseTo(2.2, 9);
    expect(small.detail).toContain(
      'floor + paced encodeSync 0.950 ms = 1.90x paced: out of reach on this machine (the limit allows 0.900 ms)',
    );
    expect(wholeReach(1.8, 0.5, 0.4, 0.45)).toMatchObject({ reachable: false });
    expect(wholeReach(1.8, 0.5, 0.4, 0.45)!.leastXHot).toBeCloseTo(2.375, 9);
    expect(wholeReach(1.8, null, 0.4, 0.45)).toBeNull();
    // Per extra client: (1.86 - 0.6) / 9 = 0.14 against the floor's (1.4 - 0.5) / 9 = 0.1: 1.4x, a miss.
    const client = byId.get('cost-client-fifo-10')!;
    expect(client.status).toBe('MISS');
    expect(client.value).toBeCloseTo(1.4, 9);
    const text = renderCost(cost as never, table).join('\n');
    // The 720p row: ... total 3.300, hot 1.600, paced 2.000, floor 0.500, floor+paced 2.500, 1.65x paced, 2.06x hot.
    expect(text).toMatch(/fifo\s+1280x720\s+1\s.*3\.300\s+1\.600\s+2\.000\s+0\.500\s+2\.500\s+1\.65\s+2\.06\s+1\.10\s+1\.38\s+1\.20/);
    // A run from before the paced baseline: no figure to judge workers by, not a made-up one.
    const old = { ...cost, encodeSync: [{ width: 1280, height: 720, msPerFrame: 1.6 }] };
    expect(costTargets(old).find((t) => t.id === 'cost-encode-fifo-1280x720')!.status).toBe('N/A');
    expect(costTargets({ error: 'x' } as never)).toEqual([]);
  });
});
