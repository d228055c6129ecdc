// The cost part's arithmetic (issue 11): per-thread CPU from /proc/PID/task/*/schedstat billed to
// the stage that spent it, per delivered frame, against encodeSync on the same frames (hot, and
// paced at the stream's rate) and a bare Node MJPEG server measured in the same run; and the
// targets as PASS / MISS. Pure functions, so the unit tests check them on hand-worked figures.

export const STAGES = ['capture', 'encode', 'main', 'other'];

// Whole process with a FIFO source, 1 client, at most this many times encodeSync-420.
export const WHOLE_LIMITS = { '640x480': 1.8, '1280x720': 1.45, '1920x1080': 1.35 };
export const ENCODE_LIMIT = 1.15;
export const MAIN_LIMIT = 1.3;
export const PER_CLIENT_LIMIT = 1.3;

/** The stage a thread's CPU is billed to: the JS main thread is the one whose tid is the pid;
 *  the native threads are named by the pipeline (tc-capture, tc-enc-N); the rest (libuv pool,
 *  V8 platform and GC threads) is `other`. */
export function stageOf(pid, tid, comm) {
  if (tid === pid) return 'main';
  if (comm === 'tc-capture') return 'capture';
  if (/^tc-enc-\d+$/.test(comm)) return 'encode';
  return 'other';
}

/** Nanoseconds per stage spent between two samples of [{ tid, comm, ns }]. A thread that started
 *  in between counts from 0; one that ended in between is lost (none do in a steady stream). */
export function stageNs(pid, before, after) {
  const earlier = new Map(before.map((t) => [t.tid, t.ns]));
  const out = Object.fromEntries(STAGES.map((s) => [s, 0]));
  for (const t of after) out[stageOf(pid, t.tid, t.comm)] += t.ns - (earlier.get(t.tid) ?? 0);
  return out;
}

/** Milliseconds of CPU per frame for each stage and in total. */
export function perFrameMs(ns, frames) {
  if (!(frames > 0)) return null;
  const out = Object.fromEntries(STAGES.map((s) => [s, ns[s] / 1e6 / frames]));
  out.total = STAGES.reduce((sum, s) => sum + out[s], 0);
  return out;
}

/** Sums the rounds of one row: CPU and frames over all their windows, so each round weighs by
 *  its frames, and a drift of the machine over the run is spread over every row alike. */
export function combineRounds(samples) {
  const [first] = samples;
  const frames = samples.reduce((sum, s) => sum + s.frames, 0);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const ns = Object.fromEntries(Object.keys(first.ns).map((stage) => [stage, samples.reduce((sum, s) => sum + s.ns[stage], 0)]));
  const clientFps = samples.map((s) => s.clientFpsMin).filter((v) => v != null);
  return {
    source: first.source,
    width: first.width,
    height: first.height,
    clients: first.clients,
    rounds: samples.length,
    frames,
    seconds,
    fps: frames / seconds,
    clientFpsMin: clientFps.length ? Math.min(...clientFps) : null,
    perFrameMs: perFrameMs(ns, frames),
  };
}

/** What one more client costs: the rise of the per-frame cost from 1 to n clients, per client. */
export function perClientIncrement(oneMs, nMs, n) {
  return oneMs == null || nMs == null || n <= 1 ? null : (nMs - oneMs) / (n - 1);
}

const size = (row) => `${row.width}x${row.height}`;
const fmt = (value, digits = 2) => (value == null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits));

function find(list, width, height, clients = 1, source) {
  return (
    (list ?? []).find(
      (r) => r.width === width && r.height === height && (r.clients ?? 1) === clients && (source === undefined || r.source === source),
    ) ?? null
  );
}

/** The stage that costs most beyond the paced encodeSync baseline: the likely cause of a miss. */
function largestExcess(perFrame, encodeSyncMs) {
  const excess = {
    capture: perFrame.capture,
    'encode beyond paced encodeSync': perFrame.encode - encodeSyncMs,
    'JS main': perFrame.main,
    other: perFrame.other,
  };
  const [name, ms] = Object.entries(excess).sort((a, b) => b[1] - a[1])[0];
  return `largest share: ${name} ${fmt(ms, 3)} ms/frame`;
}

/** What the whole-process target leaves beyond encoding, against the bare Node floor: the floor
 *  plus the paced encode is the least a Node server with this encoder spends here (capture free,
 *  workers as fast as the paced loop); above `limit` x paced, the target is out of reach on this
 *  machine whatever turbocam does. */
export function wholeReach(limit, pacedMs, hotMs, floorMs) {
  if (pacedMs == null || floorMs == null) return null;
  const least = floorMs + pacedMs;
  const allowed = limit * pacedMs;
  return {
    least,
    leastXPaced: least / pacedMs,
    leastXHot: hotMs ? least / hotMs : null,
    allowed,
    captureBudget: allowed - least,
    reachable: least <= allowed,
  };
}

function reachText(reach) {
  if (!reach) return '';
  const head = `floor + paced encodeSync ${fmt(reach.least, 3)} ms = ${fmt(reach.leastXPaced)}x paced`;
  return reach.reachable
    ? `; ${head}: reachable, ${fmt(reach.captureBudget, 3)} ms/frame left for capture and overheads`
    : `; ${head}: out of reach on this machine (the limit allows ${fmt(reach.allowed, 3)} ms)`;
}

/** The targets of issue 11, shaped as report.mjs's targets. Workers and the whole process are
 *  held to encodeSync PACED at the stream's rate (their own conditions: every thread wakes once
 *  per frame); the hot-loop ratio is printed beside it. */
export function costTargets(cost) {
  const targets = [];
  const add = (id, label, limit, value, detail) => {
    const status = value == null || Number.isNaN(value) ? 'N/A' : value <= limit ? 'PASS' : 'MISS';
    const percent = (value / limit - 1) * 100;
    const over = status === 'MISS' ? `; MISS by ${percent < 0.5 ? '<1' : fmt(percent, 0)} %` : '';
    targets.push({
      id,
      label,
      target: `<= ${limit}x`,
      value,
      unit: 'x',
      ratio: value == null ? null : value / limit,
      status,
      detail: `${detail}${over}`,
    });
  };
  if (!cost || cost.error) return targets;
  for (const row of cost.rows.filter((r) => r.clients === 1)) {
    const baseline = find(cost.encodeSync, row.width, row.height);
    const hot = baseline?.msPerFrame ?? null;
    const paced = baseline?.pacedMsPerFrame ?? null;
    const floor = find(cost.floor, row.width, row.height)?.msPerFrame ?? null;
    const f = row.perFrameMs;
    if (!f) continue;
    const where = `${row.source} ${size(row)}`;
    const limit = WHOLE_LIMITS[size(row)];
    const hotText = (ms) => (hot ? `; hot loop ${fmt(hot, 3)} ms: ${fmt(ms / hot)}x, but it never sleeps` : '');
    if (row.source === 'fifo' && limit !== undefined) {
      add(
        `cost-whole-${size(row)}`,
        `cost: whole process / paced encodeSync-${cost.subsampling}, ${where}, 1 client`,
        limit,
        paced ? f.total / paced : null,
        `${fmt(f.total, 3)} vs ${fmt(paced, 3)} ms/frame${hotText(f.total)}${reachText(wholeReach(limit, paced, hot, floor))}; ${paced ? largestExcess(f, paced) : ''}`,
      );
    }
    add(
      `cost-encode-${row.source}-${size(row)}`,
      `cost: encode workers / paced encodeSync-${cost.subsampling}, ${where}`,
      ENCODE_LIMIT,
      paced ? f.encode / paced : null,
      `${fmt(f.encode, 3)} vs ${fmt(paced, 3)} ms/frame${hotText(f.encode)}`,
    );
    add(
      `cost-main-${row.source}-${size(row)}`,
      `cost: JS main thread / bare Node floor, ${where}, 1 client`,
      MAIN_LIMIT,
      floor ? f.main / floor : null,
      `${fmt(f.main, 3)} vs ${fmt(floor, 3)} ms/frame`,
    );
  }
  for (const row of cost.rows.filter((r) => r.clients > 1)) {
    const one = find(cost.rows, row.width, row.height, 1, row.source)?.perFrameMs?.main ?? null;
    const floorOne = find(cost.floor, row.width, row.height, 1)?.msPerFrame ?? null;
    const floorN = find(cost.floor, row.width, row.height, row.clients)?.msPerFrame ?? null;
    const ours = perClientIncrement(one, row.perFrameMs?.main ?? null, row.clients);
    const theirs = perClientIncrement(floorOne, floorN, row.clients);
    add(
      `cost-client-${row.source}-${row.clients}`,
      `cost: JS main per extra client / the floor's, ${row.source} ${size(row)}, 1 to ${row.clients} clients`,
      PER_CLIENT_LIMIT,
      ours != null && theirs > 0 ? ours / theirs : null,
      `${fmt(ours, 4)} vs ${fmt(theirs, 4)} ms/frame/client`,
    );
  }
  return targets;
}

/** The cost part as lines of text. */
export function renderCost(cost, table) {
  if (!cost) return [];
  if (cost.error) return [`Cost: not run (${cost.error})`];
  const rows = [
    [
      'source',
      'size',
      'clients',
      'fps',
      'capture',
      'encode',
      'JS main',
      'other',
      'total',
      'sync hot',
      'sync paced',
      'floor',
      'floor+paced',
      'x paced',
      'x hot',
      'enc/paced',
      'enc/hot',
      'main/floor',
    ],
  ];
  for (const r of cost.rows) {
    const baseline = find(cost.encodeSync, r.width, r.height);
    const hot = baseline?.msPerFrame ?? null;
    const paced = baseline?.pacedMsPerFrame ?? null;
    const floor = find(cost.floor, r.width, r.height, r.clients)?.msPerFrame ?? null;
    const f = r.perFrameMs ?? {};
    const ratio = (a, b) => (a != null && b ? a / b : null);
    rows.push([
      r.source,
      size(r),
      r.clients,
      fmt(r.fps, 1),
      fmt(f.capture, 3),
      fmt(f.encode, 3),
      fmt(f.main, 3),
      fmt(f.other, 3),
      fmt(f.total, 3),
      fmt(hot, 3),
      fmt(paced, 3),
      fmt(floor, 3),
      fmt(floor != null && paced != null ? floor + paced : null, 3),
      fmt(ratio(f.total, paced)),
      fmt(ratio(f.total, hot)),
      fmt(ratio(f.encode, paced)),
      fmt(ratio(f.encode, hot)),
      fmt(ratio(f.main, floor)),
    ]);
  }
  return [
    `Cost: CPU ms per delivered frame by thread (/proc/PID/task/*/schedstat), the CLI at ${cost.fps} fps, q${cost.quality}, ${cost.subsampling}, ` +
      `${cost.workers} workers, ${cost.rounds ?? 1} interleaved round(s) of ${cost.windowSeconds} s windows at 1 client (the fan-out levels once); in the same run, encodeSync on the same frames hot (back to back) and paced (one frame per ` +
      `${fmt(1000 / cost.fps, 1)} ms, asleep between, as a worker at ${cost.fps} fps), and a bare Node MJPEG server (floor, JS main thread). ` +
      'Workers and the whole process are judged against the paced figure; floor+paced is the least a Node server with this encoder can spend here',
    table(rows, [0, 1]),
  ];
}
