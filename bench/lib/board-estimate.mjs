// What this run predicts for one core of a Raspberry Pi 4 / Pi 5, for people choosing a board
// before they have one. Only ratios measured in this run are used: turbocam over the ceiling per
// row, and each row's ceiling cost against 1280x720 yuyv. A board enters as one number, the direct
// libjpeg-turbo ceiling for 1280x720 yuyv q80 on one of its cores, or as a bench run posted from
// it (`--board FILE`), whose measured ceilings then replace the anchor.
//
// The anchors are estimates, not measurements on a Pi:
//   440 fps        the ceiling on the reference machine (1 vCPU of an AMD EPYC VM, libjpeg-turbo 2.1.5)
//   x 0.66         a 3.0 GHz Cortex-X1 core runs libjpeg-turbo with Neon at 0.66 of a desktop x86 core
//                  (tjbench, 183 vs 278 Mpixels/s, vcpkg pull request 24775)
//   x 0.64, x 0.72 per clock, Cortex-A76 against X1 and A72 against A76 (Arm's stated generational gains)
//   x clock ratio  Pi 5: 440 x 0.66 x 0.64 x 2.4/3.0 = 150; Pi 4: 150 x 0.72 x 1.8/2.4 = 80
// The cost part, when it ran, adds the whole process (capture, encode, JS, other threads, FIFO
// source, one client) the same way: its CPU per frame here, as frames per CPU-second, times the
// board's ceiling over this machine's for that frame.
// Cross-check: µStreamer's CPU encoder on a Pi 5 reports 40 fps of 720p YUYV at 40-50% CPU (pikvm/
// ustreamer issue 260), about 90 fps per core through libjpeg's slower scanline path. Each estimate
// is printed with the range within a factor of 1.5.

const REFERENCE = { width: 1280, height: 720, format: 'yuyv' };
export const BOARDS = [
  { board: 'Pi 4', core: 'Cortex-A72 1.8 GHz', ceilingFps: 80 },
  { board: 'Pi 5', core: 'Cortex-A76 2.4 GHz', ceilingFps: 150 },
];
export const ESTIMATE_FACTOR = 1.5;

const sameFrame = (a, b) => a.width === b.width && a.height === b.height && a.format === b.format;
const fps = (row, contestant) => row?.contestants?.[contestant]?.fps ?? null;

/**
 * { basis, factor, boards: [{ board, core, rows: [{ frame, ceilingFps, turbocamFps, low, high }] }] }
 * or { error } when this run lacks what the estimate is built from. `posted` is a bench run from
 * the board itself: its measured ceilings are used, and `factor` is then 1.
 */
export function boardEstimates(results, posted = null) {
  const rows = results.encoder?.rows ?? [];
  if (!rows.length) return { error: 'the encoder part did not run' };
  const reference = rows.find((r) => sameFrame(r, REFERENCE));
  const referenceCeiling = fps(reference, 'ceiling');
  if (!posted && !referenceCeiling) return { error: 'no 1280x720 yuyv ceiling in this run' };
  if (posted && !posted.encoder?.rows?.length) return { error: 'the posted run has no encoder rows' };
  const boards = posted
    ? [
        {
          board: posted.machine?.cpuModel ?? 'posted board',
          core: `${posted.machine?.cpus ?? '?'} cores, libturbojpeg ${posted.machine?.libturbojpeg ?? '?'}`,
          posted,
        },
      ]
    : BOARDS;
  const factor = posted ? 1 : ESTIMATE_FACTOR;
  return {
    basis: posted ? `ceilings measured on the posted run of ${posted.startedAt ?? '?'}` : 'anchors in bench/lib/board-estimate.mjs',
    factor,
    boards: boards.map(({ board, core, ceilingFps, posted: run }) => ({
      board,
      core,
      rows: rows.flatMap((row) => {
        const ours = fps(row, 'turbocam');
        const ceilingHere = fps(row, 'ceiling');
        const boardCeiling = run
          ? fps(
              run.encoder?.rows?.find((r) => sameFrame(r, row)),
              'ceiling',
            )
          : ceilingHere && ceilingFps * (ceilingHere / referenceCeiling);
        if (!ours || !ceilingHere || !boardCeiling) return [];
        const turbocamFps = boardCeiling * (ours / ceilingHere);
        const whole = wholeProcessMs(results, row);
        const wholeFps = whole ? boardCeiling * (1000 / whole / ceilingHere) : null;
        return [
          {
            frame: `${row.width}x${row.height} ${row.format}`,
            ceilingFps: boardCeiling,
            turbocamFps,
            low: turbocamFps / factor,
            high: turbocamFps * factor,
            wholeFps,
          },
        ];
      }),
    })),
  };
}

/** The cost part's whole-process CPU ms per frame for this encoder row (FIFO, 1 client), if any. */
function wholeProcessMs(results, row) {
  if (row.format !== 'yuyv') return null;
  const cost = results.cost?.rows?.find((r) => r.source === 'fifo' && r.clients === 1 && r.width === row.width && r.height === row.height);
  return cost?.perFrameMs?.total ?? null;
}

/** The estimate as lines of text: a table of turbocam fps per core on each board. */
export function renderBoardEstimates(estimate, table) {
  if (estimate.error) return [`Pi 4 / Pi 5 ESTIMATE: not made (${estimate.error}).`];
  const label = estimate.factor === 1 ? 'PREDICTION from a posted board run' : 'Pi 4 / Pi 5 ESTIMATE, not measured on a Pi';
  const lines = [
    `${label}: turbocam frames per second on one core = this run's turbocam/ceiling ratio x the board's ceiling ` +
      `(${estimate.basis}${estimate.factor === 1 ? ').' : `; range within a factor of ${estimate.factor}). Run \`npm run bench\` on the board for real figures.`}`,
  ];
  const ranged = estimate.factor !== 1;
  const head = ['frame', ...estimate.boards.flatMap((b) => [`${b.board} (${b.core})`, ...(ranged ? ['range'] : [])])];
  const frames = estimate.boards[0]?.rows.map((r) => r.frame) ?? [];
  const rows = [
    head,
    ...frames.map((frame) => [
      frame,
      ...estimate.boards.flatMap((b) => {
        const row = b.rows.find((r) => r.frame === frame);
        const range = ranged ? [row ? `${row.low.toFixed(0)}-${row.high.toFixed(0)}` : '-'] : [];
        return [row ? row.turbocamFps.toFixed(0) : '-', ...range];
      }),
    ]),
  ];
  lines.push(table(rows));
  const wholeRows = frames.flatMap((frame) => {
    const cells = estimate.boards.map((b) => b.rows.find((r) => r.frame === frame)?.wholeFps ?? null);
    return cells.some((c) => c != null) ? [[frame, ...cells.map((c) => (c == null ? '-' : c.toFixed(0)))]] : [];
  });
  if (wholeRows.length) {
    lines.push(
      'The whole process at 4:2:0 (capture, encode, JS, other threads; FIFO source, 1 client; the cost part), frames per second on one core' +
        " (the rows above encode yuyv at the encoder part's 4:2:2):",
    );
    lines.push(table([['frame', ...estimate.boards.map((b) => b.board)], ...wholeRows]));
  }
  const reference = `${REFERENCE.width}x${REFERENCE.height} ${REFERENCE.format}`;
  const share = estimate.boards.flatMap((b) => {
    const row = b.rows.find((r) => r.frame === reference);
    return row ? [`${Math.round((30 / row.turbocamFps) * 100)}% of one ${b.board} core`] : [];
  });
  if (share.length) lines.push(`Encoding a ${reference} stream at 30 fps takes about ${share.join(', ')}.`);
  const wholeShare = estimate.boards.flatMap((b) => {
    const row = b.rows.find((r) => r.frame === reference);
    return row?.wholeFps ? [`${Math.round((30 / row.wholeFps) * 100)}% of one ${b.board} core`] : [];
  });
  if (wholeShare.length) lines.push(`The whole process streaming it to one viewer: about ${wholeShare.join(', ')}.`);
  return lines;
}
