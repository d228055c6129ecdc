// A streamer left alone for months sees its wall clock jump (NTP correcting a Pi without an RTC,
// an admin setting the date). Pacing decisions run on the monotonic clock, so a jump of an hour
// back neither freezes an fps-capped viewer nor stops the idle refresh.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import { ControlledSource, solidJpeg } from '../helpers/controlled-source.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';

let server: TurbocamServer | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

describe('wall-clock jumps', () => {
  it('an fps-capped viewer and the idle refresh go on after the clock jumps an hour back', async () => {
    const source = new ControlledSource(64, 48);
    server = createServer({ source, refreshMs: 300 });
    await server.listen({ port: 0 });
    const capped = new StrictMjpegClient({ port: server.port ?? 0, path: '/stream?fps=5' });
    capped.keepBodies = false;
    const idle = new StrictMjpegClient({ port: server.port ?? 0, path: '/stream' });
    idle.keepBodies = false;
    let shade = 0;
    const feed = setInterval(() => source.push(solidJpeg(64, 48, shade++)), 50);
    try {
      await capped.waitForParts(3);
      // Only Date is faked: timers and the monotonic clock run on, as on a real machine.
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      vi.setSystemTime(Date.now() - 3_600_000);
      const cappedBefore = capped.parts.length;
      await capped.waitForParts(cappedBefore + 5, 5_000);
      // The source goes quiet: only the refresh keeps the idle viewer's picture fresh.
      clearInterval(feed);
      const idleBefore = idle.parts.length;
      await idle.waitForParts(idleBefore + 3, 5_000);
      expect(server.hub.counters.refreshed).toBeGreaterThan(0);
    } finally {
      clearInterval(feed);
      capped.close();
      idle.close();
    }
  });
});
