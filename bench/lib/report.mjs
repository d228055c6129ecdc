// Turns bench results (the JSON written to bench/results/) into what people read: the tables,
// the targets of issue 5 as PASS / MISS with figure and ratio, the Pi estimate, and the
// change against a saved run. Pure functions of the results, so they are tested on real runs.

import { boardEstimates, renderBoardEstimates } from './board-estimate.mjs';
import { costTargets, renderCost } from './cost.mjs';
import { encodersSection } from './encoders-bench.mjs';
import { h264Section } from './h264-figures.mjs';
import { rawSection } from './raw-bench.mjs';
import { rotateSection } from './rotate-bench.mjs';

const CONTESTANTS = [
  ['turbocam', 'turbocam'],
  ['ceiling', 'ceiling'],
  ['ffmpeg', 'ffmpeg'],
  ['sharp', 'sharp'],
  ['jpeg-turbo (npm)', 'jpeg-turbo'],
  ['jpeg-js', 'jpeg-js'],
];

const fmt = (value, digits = 1) => (value == null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits));

/** Plain-text table: rows of cells, first row the header; the `left` columns are left-aligned
 *  (names), the others right-aligned (figures). */
export function table(rows, left = [0]) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (left.includes(i) ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const rowName = (row) => `${row.width}x${row.height} ${row.format}`;

/** turbocam's fps over a contestant's for one encoder row; null when either is missing. */
export function encodeRatio(row, contestant) {
  const ours = row.contestants.turbocam?.fps;
  const theirs = row.contestants[contestant]?.fps;
  return ours && theirs ? ours / theirs : null;
}

function geomean(values) {
  const v = values.filter((x) => x > 0);
  return v.length ? Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length) : null;
}

/** The worst row's ratio against `contestant` ({ ratio, row }), or null without data. */
function worstRatio(encoder, contestant) {
  let worst = null;
  for (const row of encoder?.rows ?? []) {
    const ratio = encodeRatio(row, contestant);
    if (ratio != null && (worst === null || ratio < worst.ratio)) worst = { ratio, row: rowName(row) };
  }
  return worst;
}

const level = (results, clients) => results.fanout?.levels?.find((l) => l.clients === clients) ?? null;

/**
 * The targets of issue 5, each { id, label, target, value, unit, ratio, status, detail }.
 * status is PASS, MISS, or N/A when the part did not run. `ratio` is the figure the target is
 * stated in (turbocam / baseline) or, for absolute targets, the figure over its limit.
 */
export function evaluateTargets(results) {
  const targets = [];
  const add = (id, label, limit, higherIsBetter, value, unit, detail = '') => {
    const status = value == null || Number.isNaN(value) ? 'N/A' : (higherIsBetter ? value >= limit : value <= limit) ? 'PASS' : 'MISS';
    targets.push({
      id,
      label,
      target: `${higherIsBetter ? '>=' : '<='} ${limit}${unit}`,
      value,
      unit,
      ratio: value == null ? null : value / limit,
      status,
      detail,
    });
  };
  const encoder = results.encoder;
  for (const [id, contestant, limit] of [
    ['encode-ceiling', 'ceiling', 0.95],
    ['encode-ffmpeg', 'ffmpeg', 2],
    ['encode-jpegjs', 'jpeg-js', 10],
  ]) {
    const worst = worstRatio(encoder, contestant);
    const mean = geomean((encoder?.rows ?? []).map((r) => encodeRatio(r, contestant)).filter((x) => x != null));
    add(
      id,
      `encode: turbocam / ${contestant}, worst row`,
      limit,
      true,
      worst?.ratio ?? null,
      'x',
      worst ? `worst ${worst.row}; geometric mean ${fmt(mean, 2)}x` : '',
    );
  }
  add(
    'pipeline-scaling',
    'pipeline: 2 workers / 1 worker',
    1.8,
    true,
    results.pipeline?.scaling2w ?? null,
    'x',
    results.pipeline?.runs ? results.pipeline.runs.map((r) => `${r.workers}w ${fmt(r.fps)} fps`).join(', ') : '',
  );
  const l100 = level(results, 100);
  const l500 = level(results, 500);
  const frameMs = 1000 / (results.fanout?.fps ?? 30);
  add(
    'fanout-100-fps',
    '100 clients 720p30: slowest client fps',
    29,
    true,
    l100?.fpsMin ?? null,
    ' fps',
    l100 ? `median ${fmt(l100.fpsMedian)} fps, ${l100.errors} client errors` : '',
  );
  // Beyond encoding: minus part 2's measured encode cost at 30 fps when there is one (the server
  // may pause capture with no viewers, which would make the 0-client run too low a baseline).
  const beyondEncode = l100?.serverCoresBeyondEncode ?? null;
  add(
    'fanout-100-cpu',
    `100 clients: server CPU beyond encoding (${beyondEncode != null ? "part 2's encode cost" : '0-client run'})`,
    0.5,
    false,
    beyondEncode ?? l100?.serverCoresBeyondBaseline ?? null,
    ' cores',
    l100
      ? `total ${fmt(l100.serverCores, 2)} cores, ${fmt(l100.serverCpuMsPerDeliveredFrame, 3)} ms per delivered frame; ` +
          `${fmt(l100.serverCoresBeyondBaseline, 2)} beyond the 0-client run, encode ${fmt(results.fanout?.encodeCores, 2)} cores`
      : '',
  );
  add('fanout-100-rss', '100 clients: server RSS', 150, false, l100?.rssMb ?? null, ' MB');
  add(
    'fanout-100-p99',
    '100 clients: p99 latency, capture to receipt',
    Math.round(2 * frameMs * 10) / 10,
    false,
    l100?.latencyP99Ms ?? null,
    ' ms',
    l100 ? `p50 ${fmt(l100.latencyP50Ms)} ms; limit = 2 frame intervals` : '',
  );
  // "Starves" is read as: a client served less than half the median client's rate, or dropped.
  const starveRatio = l500 && l500.fpsMedian ? (l500.errors > 0 ? 0 : l500.fpsMin / l500.fpsMedian) : null;
  add(
    'fanout-500-starve',
    '500 clients: slowest / median client fps',
    0.5,
    true,
    starveRatio,
    'x',
    l500
      ? `min ${fmt(l500.fpsMin)} / 5th percentile ${fmt(l500.fpsP05)} / median ${fmt(l500.fpsMedian)} fps, ${l500.starvedClients ?? '?'} clients under half the median, ` +
          `${l500.errors} client errors, p99 ${fmt(l500.latencyP99Ms)} ms`
      : '',
  );
  add(
    'startup',
    'start-up: launch to first JPEG byte (median)',
    300,
    false,
    results.startup?.medianMs ?? null,
    ' ms',
    results.startup?.ms
      ? `runs ${results.startup.ms.join(', ')} ms; a bare Node MJPEG server: ${fmt(results.startup.floorMedianMs)} ms, ` +
          `turbocam beyond it: ${fmt(results.startup.beyondFloorMs)} ms`
      : '',
  );
  targets.push(...costTargets(results.cost));
  return targets;
}

/** Every number worth tracking between runs: { key, value, higherIsBetter }. */
export function metrics(results) {
  const out = [];
  const push = (key, value, higherIsBetter) => {
    if (typeof value === 'number' && Number.isFinite(value)) out.push({ key, value, higherIsBetter });
  };
  for (const row of results.encoder?.rows ?? []) {
    for (const [name] of CONTESTANTS) {
      push(`encode ${rowName(row)} ${name} fps`, row.contestants[name]?.fps, true);
      push(`encode ${rowName(row)} ${name} bytes`, row.contestants[name]?.bytes, false);
    }
    push(`encode ${rowName(row)} turbocam/ceiling`, encodeRatio(row, 'ceiling'), true);
  }
  for (const run of results.pipeline?.runs ?? []) {
    push(`pipeline ${run.workers}w fps`, run.fps, true);
    push(`pipeline ${run.workers}w cpu ms/frame`, run.cpuMsPerFrame, false);
  }
  push('pipeline scaling 2w/1w', results.pipeline?.scaling2w, true);
  for (const l of results.fanout?.levels ?? []) {
    push(`fanout ${l.clients} clients min fps`, l.fpsMin, true);
    push(`fanout ${l.clients} clients median fps`, l.fpsMedian, true);
    push(`fanout ${l.clients} clients server cores`, l.serverCores, false);
    push(`fanout ${l.clients} clients server ms/delivered frame`, l.serverCpuMsPerDeliveredFrame, false);
    push(`fanout ${l.clients} clients RSS MB`, l.rssMb, false);
    push(`fanout ${l.clients} clients p50 ms`, l.latencyP50Ms, false);
    push(`fanout ${l.clients} clients p99 ms`, l.latencyP99Ms, false);
  }
  push('startup median ms', results.startup?.medianMs, false);
  push('startup beyond bare node server ms', results.startup?.beyondFloorMs, false);
  for (const r of results.cost?.rows ?? []) {
    for (const stage of ['capture', 'encode', 'main', 'other', 'total'])
      push(`cost ${r.source} ${r.width}x${r.height} ${r.clients}c ${stage} ms/frame`, r.perFrameMs?.[stage], false);
  }
  for (const r of results.cost?.encodeSync ?? []) {
    push(`cost encodeSync ${r.width}x${r.height} ms/frame`, r.msPerFrame, false);
    push(`cost encodeSync paced ${r.width}x${r.height} ms/frame`, r.pacedMsPerFrame, false);
  }
  for (const r of results.cost?.floor ?? []) push(`cost floor ${r.width}x${r.height} ${r.clients}c ms/frame`, r.msPerFrame, false);
  for (const r of results.raw?.outputs ?? []) push(`raw ${r.output} total ms/frame`, r.perFrameMs?.total, false);
  return out;
}

function encoderSection(encoder) {
  if (!encoder) return [];
  if (encoder.error) return [`Encoder: not run (${encoder.error})`];
  const lines = [
    `Encoder: frames per CPU-second, quality ${encoder.quality}, one thread, best of ${encoder.trials} trials of ${encoder.trialSeconds} s` +
      ` (input: ${encoder.frameOrigin}; ffmpeg -q:v ${encoder.qscale}, RGB-only encoders fed the same picture as RGB)`,
  ];
  const head = ['frame', ...CONTESTANTS.map(([, short]) => short), 'x ceil', 'x ffmpeg', 'x sharp', 'x jt-npm', 'x jpeg-js'];
  const rows = [head];
  for (const row of encoder.rows) {
    rows.push([
      rowName(row),
      ...CONTESTANTS.map(([name]) => fmt(row.contestants[name]?.fps)),
      ...['ceiling', 'ffmpeg', 'sharp', 'jpeg-turbo (npm)', 'jpeg-js'].map((c) => fmt(encodeRatio(row, c), 2)),
    ]);
  }
  lines.push(table(rows));
  if (encoder.npmTurboVersion)
    lines.push(`  jpeg-turbo (npm) bundles libjpeg-turbo ${encoder.npmTurboVersion}; turbocam and the ceiling use the system's.`);
  lines.push('', 'Encoder: megapixels per second and bytes per frame');
  const detail = [['frame', ...CONTESTANTS.map(([, short]) => `${short} MP/s`), ...CONTESTANTS.map(([, short]) => `${short} B`)]];
  for (const row of encoder.rows) {
    detail.push([
      rowName(row),
      ...CONTESTANTS.map(([name]) => fmt(row.contestants[name]?.mpps)),
      ...CONTESTANTS.map(([name]) => fmt(row.contestants[name]?.bytes, 0)),
    ]);
  }
  lines.push(table(detail));
  const errors = encoder.rows.flatMap((r) =>
    Object.entries(r.contestants)
      .filter(([, c]) => c.error)
      .map(([n, c]) => `${n}: ${c.error}`),
  );
  for (const e of new Set(errors)) lines.push(`  not measured: ${e}`);
  return lines;
}

function pipelineSection(pipeline) {
  if (!pipeline) return [];
  if (pipeline.error) return [`Pipeline: not run (${pipeline.error})`];
  const rows = [['workers', 'fps asked', 'fps', 'CPU ms/frame', 'less render', 'cores used', 'bytes/frame', 'dropped']];
  for (const r of pipeline.runs) {
    const dropped = r.stats?.dropped ? Object.values(r.stats.dropped).reduce((a, b) => a + b, 0) : null;
    rows.push([
      r.workers,
      r.requestedFps ?? '-',
      fmt(r.fps),
      fmt(r.cpuMsPerFrame, 2),
      fmt(r.cpuMsPerFrame - (pipeline.renderMsPerFrame ?? NaN), 2),
      fmt(r.cores, 2),
      fmt(r.bytesPerFrame, 0),
      dropped ?? '-',
    ]);
  }
  return [
    `Pipeline: testsrc ${pipeline.width}x${pipeline.height} ${pipeline.format}, ${pipeline.cores} cores; 2w/1w = ${fmt(pipeline.scaling2w, 2)}x` +
      `, best of ${pipeline.rounds ?? 1} rounds (test-pattern rendering costs ${fmt(pipeline.renderMsPerFrame, 2)} ms/frame of the CPU figure)`,
    table(rows),
  ];
}

function fanoutSection(fanout) {
  if (!fanout) return [];
  if (fanout.error) return [`Fan-out: not run (${fanout.error})`];
  const rows = [
    [
      'clients',
      'fps min',
      'fps median',
      'server cores',
      'beyond encode',
      'beyond 0-client',
      'ms/deliv. frame',
      'RSS MB',
      'p50 ms',
      'p99 ms',
      'errors',
      'src fps',
      'client cores',
    ],
  ];
  for (const l of fanout.levels) {
    rows.push([
      l.clients,
      fmt(l.fpsMin),
      fmt(l.fpsMedian),
      fmt(l.serverCores, 3),
      fmt(l.serverCoresBeyondEncode, 3),
      fmt(l.serverCoresBeyondBaseline, 3),
      fmt(l.serverCpuMsPerDeliveredFrame, 3),
      fmt(l.rssMb),
      fmt(l.latencyP50Ms),
      fmt(l.latencyP99Ms),
      l.errors,
      fmt(l.sourceFps),
      fmt(l.clientCores, 2),
    ]);
  }
  return [
    `Fan-out: the CLI on testsrc ${fanout.width}x${fanout.height}@${fanout.fps}, loopback /stream clients in separate processes, ` +
      `${fanout.windowSeconds} s per level after ${fanout.warmupSeconds} s warm-up; encode cost from part 2: ${fmt(fanout.encodeCores, 3)} cores; ` +
      'latency = whole JPEG received - X-Timestamp',
    table(rows),
  ];
}

export function renderReport(results) {
  const m = results.machine ?? {};
  const lines = [
    `turbocam bench ${results.quick ? '(quick) ' : ''}${results.startedAt ?? ''}  ${m.cpus ?? '?'} x ${m.cpuModel ?? '?'}, node ${m.node ?? '?'}, ` +
      `libturbojpeg ${m.libturbojpeg ?? '?'}, load ${m.loadavgStart?.map((x) => x.toFixed(2)).join(' ') ?? '?'}`,
    '',
  ];
  for (const section of [
    encoderSection(results.encoder),
    pipelineSection(results.pipeline),
    fanoutSection(results.fanout),
    renderCost(results.cost, table),
    rotateSection(results.rotate),
    encodersSection(results.encoders, table),
    rawSection(results.raw, table),
    h264Section(results.h264, table),
  ]) {
    if (section.length) lines.push(...section, '');
  }
  if (results.startup) {
    lines.push(
      results.startup.error
        ? `Start-up: not run (${results.startup.error})`
        : `Start-up: launch to first JPEG byte, median of ${results.startup.runs}: ${fmt(results.startup.medianMs)} ms (min ${fmt(results.startup.minMs)}, ` +
            `max ${fmt(results.startup.maxMs)}); a bare Node MJPEG server ${fmt(results.startup.floorMedianMs)} ms, so turbocam adds ${fmt(results.startup.beyondFloorMs)} ms`,
      '',
    );
  }
  lines.push('Targets (issues 5 and 11)');
  const rows = [['', 'target', 'figure', 'figure/target', 'what']];
  for (const t of evaluateTargets(results)) {
    const digits = t.unit === 'x' || t.unit === ' cores' ? 2 : 1;
    rows.push([
      t.status,
      t.target,
      t.value == null ? '-' : `${fmt(t.value, digits)}${t.unit}`,
      t.ratio == null ? '-' : fmt(t.ratio, 2),
      `${t.label}${t.detail ? ` (${t.detail})` : ''}`,
    ]);
  }
  lines.push(table(rows, [0, 4]), '', ...renderBoardEstimates(results.boardEstimate ?? boardEstimates(results), table));
  return lines.join('\n');
}

/** The change of every shared metric from `saved` to `current`, and of every target's status. */
export function renderComparison(current, saved) {
  const before = new Map(metrics(saved).map((m) => [m.key, m.value]));
  const rows = [['metric', 'saved', 'now', 'change', '']];
  for (const m of metrics(current)) {
    const old = before.get(m.key);
    if (old == null) continue;
    const change = old === 0 ? null : (m.value - old) / Math.abs(old);
    const better = change == null || Math.abs(change) < 0.02 ? '' : change > 0 === m.higherIsBetter ? 'better' : 'worse';
    rows.push([m.key, fmt(old, 2), fmt(m.value, 2), change == null ? '-' : `${change >= 0 ? '+' : ''}${fmt(change * 100)}%`, better]);
  }
  const lines = [`Compared with ${saved.startedAt ?? 'the saved run'}${saved.quick ? ' (quick)' : ''}`, table(rows)];
  const oldTargets = new Map(evaluateTargets(saved).map((t) => [t.id, t.status]));
  // A part run in only one of the two is not a change of status.
  const flips = evaluateTargets(current).filter(
    (t) => t.status !== 'N/A' && oldTargets.has(t.id) && !['N/A', t.status].includes(oldTargets.get(t.id)),
  );
  lines.push(
    flips.length ? flips.map((t) => `target ${t.id}: ${oldTargets.get(t.id)} -> ${t.status}`).join('\n') : 'No target changed status.',
  );
  return lines.join('\n');
}
