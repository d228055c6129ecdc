// The leak check's workload, run under LeakSanitizer by scripts/sanitize.sh (or valgrind): encode
// cycles (good and corrupt input), capture open/close on the test pattern (JPEG and raw output) and on a pipe of MJPEG,
// and server start/stop cycles with stream and snapshot clients. It then drops every reference,
// collects garbage so finalizers free native buffers, and exits: what is still allocated then is
// a leak. scripts/leak-report.mjs attributes each leak to the code that allocated it.
// Needs `npm run build` (imports dist/) and node --expose-gc (re-executes itself with it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';

if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const { encode, encodeSync, testPattern, openCamera, createServer } = await import('../dist/index.js');
const cycles = Number(process.env.LEAK_CYCLES ?? 10);

function get(port, path, frames) {
  // Reads `frames` boundaries' worth of a stream (or a whole snapshot), then hangs up.
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let seen = 0;
      res.on('data', (chunk) => {
        seen += chunk.toString('latin1').split('--turbocamframe').length - 1;
        if (frames > 0 && seen >= frames) req.destroy();
      });
      res.on('end', resolve);
      res.on('close', resolve);
    });
    req.on('error', (error) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
    req.end();
  });
}

async function encodeCycles() {
  for (let i = 0; i < cycles * 5; i++) {
    for (const format of ['yuyv', 'nv12', 'i420', 'rgb24', 'grey']) {
      const frame = testPattern({ width: 96, height: 64, format, frame: i });
      const jpeg = await encode(frame, { width: 96, height: 64, format, quality: 70 });
      encodeSync(jpeg, { width: 96, height: 64, format: 'mjpeg' });
      for (const bad of [jpeg.subarray(0, jpeg.length / 2), Buffer.from([0xff, 0xd8, 0xff, 0xd9]), frame.subarray(0, 7)]) {
        try {
          encodeSync(bad, { width: 96, height: 64, format: 'mjpeg' });
        } catch {
          // Rejected as corrupt: the error path must free what it took.
        }
      }
    }
  }
}

async function readFrames(source, count) {
  // A file source ends after its last frame: the end is an error event, expected here.
  source.on('error', () => undefined);
  let seen = 0;
  try {
    for await (const frame of source) {
      void frame;
      if (++seen >= count) break;
    }
  } catch (error) {
    if (error.code !== 'ERR_END_OF_STREAM') throw error;
  }
}

async function captureCycles(dir) {
  const frames = [];
  for (let i = 0; i < 12; i++)
    frames.push(
      encodeSync(testPattern({ width: 160, height: 120, format: 'yuyv', frame: i }), { width: 160, height: 120, format: 'yuyv' }),
    );
  const file = join(dir, 'frames.mjpeg');
  writeFileSync(file, Buffer.concat([Buffer.from('junk'), ...frames, frames[0].subarray(0, 100)]));
  for (let i = 0; i < cycles; i++) {
    const camera = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 60, workers: 2 });
    await readFrames(camera, 3);
    await camera.close();
    const pipe = await openCamera({ source: file, format: 'mjpeg' });
    await readFrames(pipe, 5);
    await pipe.close();
    const raw = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 60, workers: 2, output: 'both' });
    let taken = 0;
    for await (const frame of raw.rawFrames()) {
      // Every other raw frame released by hand, the rest left to their finalizers.
      if (taken % 2 === 0) frame.release();
      if (++taken >= 4) break;
    }
    await raw.close();
  }
}

async function serverCycles() {
  const source = await openCamera({ source: 'testsrc', width: 160, height: 120, fps: 30, workers: 1 });
  for (let i = 0; i < cycles; i++) {
    const server = createServer({ source });
    await server.listen({ port: 0 });
    await Promise.all([
      get(server.port, '/stream', 3),
      get(server.port, '/snapshot', 0),
      get(server.port, '/state', 0),
      get(server.port, '/nope', 0),
    ]);
    await server.close();
  }
  await source.close();
}

const dir = mkdtempSync(join(tmpdir(), 'turbocam-leak-'));
await encodeCycles();
await captureCycles(dir);
await serverCycles();
rmSync(dir, { recursive: true });
for (let i = 0; i < 5; i++) {
  globalThis.gc();
  await tick();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(`leak-check: ${cycles} cycles of encode, capture open/close and server start/stop done`);
