// Part 5: what --rotate and --flip cost per frame, one thread, 1280x720: camera MJPEG through the
// lossless transform against plain pass-through (normalising only), and raw yuyv turned while it
// is repacked against unturned. CPU time per frame of this process, best of the trials.
import { loadTurbocam } from './frames.mjs';

const WIDTH = 1280;
const HEIGHT = 720;

function cpuMsPerFrame(run, seconds) {
  let frames = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  do {
    run();
    frames += 1;
  } while (Number(process.hrtime.bigint() - t0) / 1e9 < seconds);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / frames;
}

function best(run, seconds, trials) {
  let min = Infinity;
  for (let i = 0; i < trials; i += 1) min = Math.min(min, cpuMsPerFrame(run, seconds));
  return min;
}

export async function benchRotate({ quick, log }) {
  const lib = await loadTurbocam();
  if (!lib?.encodeSync) throw new Error(`turbocam encodeSync unavailable (${loadTurbocam.loadError ?? 'not built'})`);
  const seconds = quick ? 0.25 : 0.6;
  const trials = quick ? 2 : 3;
  const raw = lib.testPattern({ width: WIDTH, height: HEIGHT, format: 'yuyv', frame: 7 });
  const camera = lib.encodeSync(raw, { width: WIDTH, height: HEIGHT, format: 'yuyv', quality: 80 });
  const mjpeg = (rotate, flip) => () => lib.encodeSync(camera, { width: WIDTH, height: HEIGHT, format: 'mjpeg', rotate, flip });
  const yuyv = (rotate, flip) => () => lib.encodeSync(raw, { width: WIDTH, height: HEIGHT, format: 'yuyv', quality: 80, rotate, flip });
  const rows = [];
  for (const [label, rotate, flip] of [
    ['rotate 90', 90, undefined],
    ['rotate 180', 180, undefined],
    ['flip h', 0, 'h'],
  ]) {
    log(`rotate: ${label}`);
    const mjpegBase = best(mjpeg(0, undefined), seconds, trials);
    const mjpegTurned = best(mjpeg(rotate, flip), seconds, trials);
    const rawBase = best(yuyv(0, undefined), seconds, trials);
    const rawTurned = best(yuyv(rotate, flip), seconds, trials);
    rows.push({
      label,
      mjpegBaseMs: mjpegBase,
      mjpegMs: mjpegTurned,
      mjpegExtraMs: mjpegTurned - mjpegBase,
      rawBaseMs: rawBase,
      rawMs: rawTurned,
      rawExtraMs: rawTurned - rawBase,
    });
  }
  return { width: WIDTH, height: HEIGHT, rows };
}

/** The report's lines for this part. */
export function rotateSection(rotate) {
  if (!rotate) return [];
  if (rotate.error) return [`Rotation: not run (${rotate.error})`];
  const f = (ms) => ms.toFixed(2);
  return [
    `Rotation, ${rotate.width}x${rotate.height}, one thread, CPU ms per frame`,
    ...rotate.rows.map(
      (r) =>
        `  ${r.label.padEnd(10)} camera MJPEG ${f(r.mjpegMs)} (pass-through ${f(r.mjpegBaseMs)}, +${f(r.mjpegExtraMs)})  yuyv ${f(r.rawMs)} (unturned ${f(r.rawBaseMs)}, +${f(r.rawExtraMs)})`,
    ),
  ];
}
