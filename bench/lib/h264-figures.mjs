// The h264 part's arithmetic and its table, pure so they are tested on hand-worked figures: thread
// CPU by group, ffmpeg's PSNR line, the MJPEG quality search and the bytes at equal PSNR, RTP
// timestamps mapped back to capture times, latency order statistics.
import { quantile } from './stats.mjs';

/** Nanoseconds on CPU between two readThreads() samples: the H.264 thread, the JPEG workers, all. */
export function threadGroupNs(before, after) {
  const earlier = new Map(before.map((t) => [t.tid, t.ns]));
  const out = { h264: 0, jpeg: 0, process: 0 };
  for (const t of after) {
    const ns = t.ns - (earlier.get(t.tid) ?? 0);
    if (t.comm === 'tc-h264') out.h264 += ns;
    else if (t.comm.startsWith('tc-enc-')) out.jpeg += ns;
    out.process += ns;
  }
  return out;
}

/** The summary line of ffmpeg's psnr filter (`PSNR y:.. u:.. v:.. average:.. min:.. max:..`) as
 *  numbers, `inf` as Infinity; null when the text has none. */
export function parsePsnr(text) {
  const line = text.split('\n').findLast((l) => /PSNR y:/.test(l));
  if (!line) return null;
  const out = {};
  for (const key of ['y', 'u', 'v', 'average', 'min', 'max']) {
    const m = line.match(new RegExp(`\\b${key}:(inf|[\\d.]+)`));
    out[key] = m ? (m[1] === 'inf' ? Infinity : Number(m[1])) : null;
  }
  return out;
}

/**
 * The smallest quality in [lo, hi] whose PSNR reaches `target`, by bisection (PSNR rises with
 * quality), and the one below it. `measure(quality)` resolves { quality, psnr, bytesPerFrame }.
 * Resolves every sample measured, by quality.
 */
export async function searchQuality(measure, target, lo = 10, hi = 100) {
  const samples = new Map();
  const at = async (q) => {
    if (!samples.has(q)) samples.set(q, await measure(q));
    return samples.get(q).psnr;
  };
  if ((await at(hi)) < target || (await at(lo)) >= target) return [...samples.values()].sort((a, b) => a.quality - b.quality);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await at(mid)) >= target) hi = mid;
    else lo = mid;
  }
  return [...samples.values()].sort((a, b) => a.quality - b.quality);
}

/**
 * MJPEG's bytes per frame at `target` PSNR from the searched samples: the measured quality
 * nearest in PSNR when within `tolerance` dB (matched), else the two qualities either side with
 * log(bytes) interpolated in PSNR (interpolated). Null bytes when the target is out of reach.
 */
export function atEqualPsnr(samples, target, tolerance = 0.5) {
  if (samples.length === 0) return { quality: null, psnr: null, bytesPerFrame: null, how: 'no samples' };
  const nearest = samples.reduce((a, b) => (Math.abs(b.psnr - target) < Math.abs(a.psnr - target) ? b : a));
  if (Math.abs(nearest.psnr - target) <= tolerance) return { ...nearest, how: 'matched' };
  const sorted = [...samples].sort((a, b) => a.psnr - b.psnr);
  const above = sorted.findIndex((s) => s.psnr >= target);
  if (above <= 0) {
    const edge = above === 0 ? 'even the lowest quality tried is above' : 'even the highest quality tried is below';
    return { quality: nearest.quality, psnr: nearest.psnr, bytesPerFrame: null, how: `${edge} ${target.toFixed(2)} dB` };
  }
  const [a, b] = [sorted[above - 1], sorted[above]];
  const f = (target - a.psnr) / (b.psnr - a.psnr);
  const bytesPerFrame = Math.exp(Math.log(a.bytesPerFrame) + f * (Math.log(b.bytesPerFrame) - Math.log(a.bytesPerFrame)));
  return { quality: a.quality + f * (b.quality - a.quality), psnr: target, bytesPerFrame, how: `interpolated q${a.quality}-q${b.quality}` };
}

/**
 * Each RTP timestamp (90 kHz, as the page's requestVideoFrameCallback saw it) mapped back to the
 * capture time (ms) of the unit it carried. A WHEP peer stamps a unit with a random base plus
 * 90 x (its capture time - the first unit's), so differences of RTP timestamps are differences of
 * capture times: the anchor is the unit for which most observations land on a unit within
 * `toleranceTicks`. Capture times must be irregular (a FIFO written at uneven intervals) for the
 * anchor to be unique; `ok` says it was (nearly all matched, no other anchor close).
 */
export function alignRtp(rtpTimestamps, captureMs, toleranceTicks = 1.5) {
  const times = Float64Array.from(captureMs).sort();
  const nearest = (ms) => {
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < ms) lo = mid + 1;
      else hi = mid;
    }
    const best = lo > 0 && Math.abs(times[lo - 1] - ms) < Math.abs(times[lo] - ms) ? times[lo - 1] : times[lo];
    return Math.abs(best - ms) <= toleranceTicks / 90 ? best : null;
  };
  if (rtpTimestamps.length === 0 || times.length === 0) return { captureMs: [], matched: 0, runnerUp: 0, ok: false };
  // Signed 32-bit differences from the first observation, so a wrap of the RTP clock is harmless.
  const deltasMs = rtpTimestamps.map((r) => ((r - rtpTimestamps[0]) | 0) / 90);
  let best = { anchor: null, matched: -1 };
  let runnerUp = 0;
  for (const anchor of times) {
    let matched = 0;
    for (const d of deltasMs) if (nearest(anchor + d) !== null) matched++;
    if (matched > best.matched) {
      runnerUp = Math.max(runnerUp, best.matched);
      best = { anchor, matched };
    } else runnerUp = Math.max(runnerUp, matched);
  }
  const n = rtpTimestamps.length;
  return {
    captureMs: deltasMs.map((d) => nearest(best.anchor + d)),
    matched: best.matched,
    runnerUp,
    ok: best.matched >= 0.9 * n && runnerUp <= best.matched / 2,
  };
}

/** Median, p95 and count of latencies (ms); nulls dropped. */
export function latencySummary(values) {
  const v = values.filter((x) => x != null && Number.isFinite(x));
  return { frames: v.length, median: v.length ? quantile(v, 0.5) : null, p95: v.length ? quantile(v, 0.95) : null };
}

/** An uneven but reproducible pause before FIFO frame i: the source rate on average, +-20 %. */
export function unevenIntervalMs(i, fps) {
  const x = Math.sin((i + 1) * 12.9898) * 43758.5453;
  return (1000 / fps) * (0.8 + 0.4 * (x - Math.floor(x)));
}

const fmt = (value, digits = 1) => (value == null || Number.isNaN(value) ? '-' : Number(value).toFixed(digits));

/** The h264 part as lines of text: bytes at equal PSNR, CPU per frame, latency. */
export function h264Section(result, table) {
  if (!result) return [];
  if (result.error) return [`H.264: not run (${result.error})`];
  const names = result.scenes.map((s) => s.scene);
  const bytes = [['scene', 'coded', 'skipped', 'H.264 KB/frame', 'PSNR dB', 'MJPEG q', 'PSNR dB', 'KB/frame', 'MJPEG / H.264']];
  for (const s of result.scenes) {
    const q = s.mjpeg.how === 'matched' ? fmt(s.mjpeg.quality, 0) : `${fmt(s.mjpeg.quality)}*`;
    bytes.push([
      s.scene,
      s.h264.units,
      s.h264.skipped,
      fmt(s.h264.bytesPerFrame / 1024),
      fmt(s.h264.psnr, 2),
      q,
      fmt(s.mjpeg.psnr, 2),
      fmt(s.mjpeg.bytesPerFrame == null ? null : s.mjpeg.bytesPerFrame / 1024),
      s.ratio == null ? '-' : `${fmt(s.ratio, 2)}x`,
    ]);
  }
  const notes = result.scenes
    .filter((s) => s.mjpeg.how !== 'matched')
    .map((s) => `* ${s.scene}: MJPEG ${s.mjpeg.how} (no quality within 0.5 dB)`);
  const cpu = [['encoder', 'thread', ...names.map((n) => `${n} ms/frame`)]];
  cpu.push([`${result.openh264} ${result.bitrateKbps} kbit/s`, 'tc-h264', ...result.scenes.map((s) => fmt(s.cpu.h264MsPerUnit, 2))]);
  cpu.push([`JPEG worker q${result.scenes[0]?.cpu.jpegQuality}`, 'tc-enc-0', ...result.scenes.map((s) => fmt(s.cpu.jpegMsPerFrame, 2))]);
  cpu.push(['JPEG at equal PSNR (encodeSync)', 'main', ...result.scenes.map((s) => fmt(s.mjpeg.encodeSyncCpuMsPerFrame, 2))]);
  if (result.m2m.available) cpu.push([`${result.m2m.encoder}`, 'tc-h264', fmt(result.m2m.msPerUnit, 2)]);
  const latency = [['path', 'presented/s', 'decoded/s', 'median ms', 'p95 ms', 'hub skips', 'units skipped']];
  const absent = [];
  for (const r of result.latency.rows) {
    if (r.available)
      latency.push([r.path, fmt(r.fps), fmt(r.decodedFps), fmt(r.median), fmt(r.p95), r.hubSkips ?? '-', r.hubSkippedUnits ?? '-']);
    else absent.push(`${r.path}: ${r.reason}`);
  }
  return [
    `H.264: ${result.width}x${result.height} I420 at ${result.fps} fps through a FIFO, ${result.openh264} at ${result.bitrateKbps} kbit/s; ` +
      'MJPEG (4:2:0) at the quality of equal PSNR (ffmpeg psnr filter, Y/U/V average, against the source frames)',
    table(bytes, [0]),
    ...notes,
    'skipped: frames the H.264 thread never coded because a newer one replaced it (a loaded machine); PSNR is against the frames coded',
    ...result.scenes
      .filter((s) => s.h264.skipped > 0.05 * s.frames)
      .map(
        (s) => `WARNING ${s.scene}: H.264 skipped ${s.h264.skipped} of ${s.frames} frames, too loaded a machine for these figures to stand`,
      ),
    'H.264: CPU ms per coded frame by thread (schedstat), on the same frames',
    table(cpu, [0, 1]),
    result.m2m.available ? `M2M H.264 (motion scene): PSNR ${fmt(result.m2m.psnr, 2)} dB` : `M2M H.264: ${result.m2m.reason}`,
    `H.264: capture to a decoded frame in Chromium (WebRTC and MSE: requestVideoFrameCallback presentation; MJPEG: fetch + createImageBitmap), ${result.latency.seconds} s, motion scene`,
    table(latency, [0]),
    ...absent,
  ];
}
