// Soak piece: a camera that never sends EOI (the C920 on some hosts, ELP CCTV modules), as an
// MJPEG FIFO. The server must repair every frame (`turbocam_frames_repaired_total`) and keep
// serving; the soak's random traffic and the flood (./flood.mjs) hit this server too.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** ffmpeg's testsrc2 as `count` separate JPEGs with their final FF D9 cut off (made without
 *  blocking the soak's event loop, which is timing the other servers meanwhile). */
async function eoiLessFrames(count) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const args = [
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=1',
        '-vf',
        `trim=start_frame=${i}`,
        '-frames:v',
        '1',
        '-f',
        'mjpeg',
        '-',
      ];
      const { stdout } = await promisify(execFile)('ffmpeg', args, { encoding: 'buffer' });
      return stdout.subarray(0, stdout.length - 2);
    }),
  );
}

/** Starts the server on a FIFO in `dir` through the soak's `startServer(name, args, options)` and
 *  feeds it at ~20 fps until `stop()`. */
export async function startEoiLessCamera({ dir, startServer, options = {} }) {
  const fifo = join(dir, 'eoi-less.fifo');
  execFileSync('mkfifo', [fifo]);
  // Never paused, so every frame fed is a frame to repair.
  const pending = startServer(
    'eoi-less',
    ['--source', fifo, '--format', 'mjpeg', '--persistent', '--device-timeout', '2', '--pause-after', '86400'],
    options,
  );
  const frames = await eoiLessFrames(4);
  const out = createWriteStream(fifo);
  out.on('error', () => undefined);
  let feeding = true;
  const fed = (async () => {
    let n = 0;
    while (feeding) {
      if (!out.write(frames[n % frames.length])) await new Promise((resolve) => out.once('drain', resolve));
      n += 1;
      await sleep(50);
    }
    out.end();
    return n;
  })();
  const server = await pending;
  return {
    server,
    /** Stops feeding; resolves with the frames written. */
    async stop() {
      feeding = false;
      return fed;
    },
  };
}

/** The server's repaired and corrupt frame counts, from /metrics. */
export async function repairCounts(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name, labels = '') =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${name}{`) && l.includes(labels))
        ?.split(' ')
        .at(-1) ?? NaN,
    );
  return { repaired: value('turbocam_frames_repaired_total'), corrupt: value('turbocam_frames_dropped_total', 'reason="corrupt"') };
}
