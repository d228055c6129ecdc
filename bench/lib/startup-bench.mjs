// Part 4: process launch to the first JPEG byte at a client, median of several launches.
import { firstJpegByte, freePort, spawnServer, stopServer } from './server-process.mjs';
import { median } from './stats.mjs';

export async function benchStartup({ cli, quick, log }) {
  const runs = quick ? 3 : 7;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    log(`start-up run ${i + 1}/${runs}`);
    const t0 = Number(process.hrtime.bigint()) / 1e6;
    const child = spawnServer({ cli, port });
    try {
      times.push((await firstJpegByte({ port, child })) - t0);
    } finally {
      await stopServer(child);
    }
  }
  return { runs, ms: times.map((t) => Math.round(t * 10) / 10), medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
}
