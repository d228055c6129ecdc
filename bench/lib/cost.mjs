// The cost part's arithmetic (issue 11): per-thread CPU from /proc/PID/task/*/schedstat billed to
// the stage that spent it, per delivered frame, against encodeSync on the same frames and a bare
// Node MJPEG server measured in the same run; and the targets as PASS / MISS. Pure functions, so
// the unit tests check them on hand-worked figures.

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

/** What one more client costs: the rise of the per-frame cost from 1 to n clients, per client. */
export function perClientIncrement(oneMs, nMs, n) {
  return oneMs == null || nMs == null || n <= 1 ? null : (nMs - oneMs) / (n - 1);
}

const size = (row) => `${row.width}x${row.height}`;
const fmt = (value, digits = 2) => (value == null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits));

function find(list, width, height, clients = 1, source) {
  return (list ?? []).find((r) => r.width === width && r.height === height && (r.clients ?? 1) === clients && (source === undefined || r.source === source)) ?? null;
}

/** The stage that costs most beyond the encodeSync baseline: the likely cause of a miss. */
function largestExcess(perFrame, encodeSyncMs) {
  const excess = { capture: perFrame.capture, 'encode beyond encodeSync': perFrame.encode - encodeSyncMs, 'JS main': perFrame.main, other: perFrame.other };
  const [name, ms] = Object.entries(excess).sort((a, b) => b[1] - a[1])[0];
  return `largest share: ${name} ${fmt(ms, 3)} ms/frame`;
}

/** The targets of issue 11, shaped as report.mjs's targets. */
export function costTargets(cost) {
  const targets = [];
  const add = (id, label, limit, value, detail) => {
    const status = value == null || Number.isNaN(value) ? 'N/A' : value <= limit ? 'PASS' : 'MISS';
    const over = status === 'MISS' ? `; MISS by ${fmt((value / limit - 1) * 100, 0)} %` : '';
    targets.push({ id, label, target: `<= ${limit}x`, value, unit: 'x', ratio: value == null ? null : value / limit, status, detail: `${detail}${over}` });
  };
  if (!cost || cost.error) return targets;
  for (const row of cost.rows.filter((r) => r.clients === 1)) {
    const sync = find(cost.encodeSync, row.width, row.height)?.msPerFrame ?? null;
    const floor = find(cost.floor, row.width, row.height)?.msPerFrame ?? null;
    const f = row.perFrameMs;
    if (!f) continue;
    const where = `${row.source} ${size(row)}`;
    const limit = WHOLE_LIMITS[size(row)];
    if (row.source === 'fifo' && limit !== undefined) {
      add(`cost-whole-${size(row)}`, `cost: whole process / encodeSync-${cost.subsampling}, ${where}, 1 client`, limit, sync ? f.total / sync : null,
        `${fmt(f.total, 3)} vs ${fmt(sync, 3)} ms/frame; ${sync ? largestExcess(f, sync) : ''}`);
    }
    add(`cost-encode-${row.source}-${size(row)}`, `cost: encode workers / encodeSync-${cost.subsampling}, ${where}`, ENCODE_LIMIT, sync ? f.encode / sync : null,
      `${fmt(f.encode, 3)} vs ${fmt(sync, 3)} ms/frame`);
    add(`cost-main-${row.source}-${size(row)}`, `cost: JS main thread / bare Node floor, ${where}, 1 client`, MAIN_LIMIT, floor ? f.main / floor : null,
      `${fmt(f.main, 3)} vs ${fmt(floor, 3)} ms/frame`);
  }
  for (const row of cost.rows.filter((r) => r.clients > 1)) {
    const one = find(cost.rows, row.width, row.height, 1, row.source)?.perFrameMs?.main ?? null;
    const floorOne = find(cost.floor, row.width, row.height, 1)?.msPerFrame ?? null;
    const floorN = find(cost.floor, row.width, row.height, row.clients)?.msPerFrame ?? null;
    const ours = perClientIncrement(one, row.perFrameMs?.main ?? null, row.clients);
    const theirs = perClientIncrement(floorOne, floorN, row.clients);
    add(`cost-client-${row.source}-${row.clients}`, `cost: JS main per extra client / the floor's, ${row.source} ${size(row)}, 1 to ${row.clients} clients`, PER_CLIENT_LIMIT,
      ours != null && theirs > 0 ? ours / theirs : null, `${fmt(ours, 4)} vs ${fmt(theirs, 4)} ms/frame/client`);
  }
  return targets;
}

/** The cost part as lines of text. */
export function renderCost(cost, table) {
  if (!cost) return [];
  if (cost.error) return [`Cost: not run (${cost.error})`];
  const rows = [['source', 'size', 'clients', 'fps', 'capture', 'encode', 'JS main', 'other', 'total', 'encodeSync', 'floor', 'x encodeSync', 'encode/sync', 'main/floor']];
  for (const r of cost.rows) {
    const sync = find(cost.encodeSync, r.width, r.height)?.msPerFrame ?? null;
    const floor = find(cost.floor, r.width, r.height, r.clients)?.msPerFrame ?? null;
    const f = r.perFrameMs ?? {};
    rows.push([r.source, size(r), r.clients, fmt(r.fps, 1), fmt(f.capture, 3), fmt(f.encode, 3), fmt(f.main, 3), fmt(f.other, 3), fmt(f.total, 3), fmt(sync, 3), fmt(floor, 3),
      fmt(sync ? f.total / sync : null), fmt(sync ? f.encode / sync : null), fmt(floor ? f.main / floor : null)]);
  }
  return [`Cost: CPU ms per delivered frame by thread (/proc/PID/task/*/schedstat), the CLI at ${cost.fps} fps, q${cost.quality}, ${cost.subsampling}, ` +
    `${cost.workers} workers, ${cost.windowSeconds} s windows; encodeSync on the same frames and a bare Node MJPEG server (floor, JS main thread) in the same run`, table(rows, [0, 1])];
}
