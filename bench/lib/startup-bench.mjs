// Part 4: process launch to the first JPEG byte at a client, median of several launches, with the
// same measured for a minimal Node MJPEG server (the floor any Node streamer starts from on this
// machine); runs alternate between the two so machine load hits both alike.
import { fileURLToPath } from 'node:url';
import { firstJpegByte, freePort, spawnServer, stopServer } from './server-process.mjs';
import { median } from './stats.mjs';

const FLOOR = fileURLToPath(new URL('./floor-server.mjs', import.meta.url));

async function launch(cli) {
  const port = await freePort();
  const t0 = Number(process.hrtime.bigint()) / 1e6;
  const child = spawnServer({ cli, port });
  try {
    return (await firstJpegByte({ port, child })) - t0;
  } finally {
    await stopServer(child);
  }
}

export async function benchStartup({ cli, quick, log }) {
  const runs = quick ? 3 : 7;
  const times = [];
  const floor = [];
  for (let i = 0; i < runs; i++) {
    log(`start-up run ${i + 1}/${runs}`);
    times.push(await launch(cli));
    floor.push(await launch(FLOOR));
  }
  const round = (t) => Math.round(t * 10) / 10;
  return {
    runs,
    ms: times.map(round),
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    floorMs: floor.map(round),
    floorMedianMs: median(floor),
    beyondFloorMs: median(times) - median(floor),
  };
}
