// A timelapse: the camera's picture saved as a JPEG every N seconds, keeping only the newest K
// files. The camera is paused between shots, so it encodes one frame per shot, not 30 a second.
// Ctrl-C stops it.
//
//   node examples/timelapse.js [--source /dev/video0] [--every 60] [--keep 1440] [--dir timelapse]
import { once } from 'node:events';
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openCamera } from 'turbocam';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: 'testsrc' },
    every: { type: 'string', default: '60' },
    keep: { type: 'string', default: '1440' },
    dir: { type: 'string', default: 'timelapse' },
  },
});
const everyMs = Number(values.every) * 1000;
const keep = Number(values.keep);
if (!(everyMs > 0) || !Number.isInteger(keep) || keep < 1) {
  console.error('timelapse: --every wants seconds > 0 and --keep a whole number >= 1');
  process.exit(2);
}

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

await mkdir(values.dir, { recursive: true });
const camera = await openCamera({ source: values.source, width: 1280, height: 720, signal: stop.signal });
camera.pause();

// Names sort in time order, so the oldest files are the first ones.
const PATTERN = /^timelapse-\d{8}-\d{6}-\d{3}\.jpg$/;
const nameFor = (date) => `timelapse-${date.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').replace('Z', '')}.jpg`;

async function prune() {
  const files = (await readdir(values.dir)).filter((name) => PATTERN.test(name)).sort();
  for (const name of files.slice(0, Math.max(0, files.length - keep))) await unlink(join(values.dir, name));
  return Math.min(files.length, keep);
}

try {
  while (!stop.signal.aborted) {
    const started = Date.now();
    camera.resume();
    const [frame] = await once(camera, 'frame', { signal: stop.signal });
    camera.pause();
    const name = nameFor(new Date());
    await writeFile(join(values.dir, name), frame.data);
    console.log(`timelapse: saved ${name} (${frame.width}x${frame.height}, sequence ${frame.sequence}), ${await prune()} kept`);
    await sleep(Math.max(0, everyMs - (Date.now() - started)), undefined, { signal: stop.signal });
  }
} catch (error) {
  if (!stop.signal.aborted) throw error;
} finally {
  await camera.close();
  console.log('timelapse: stopped');
}
