// The process's housekeeping (src/housekeeping.ts) on a fake clock: a due task runs from the
// next delivered frame while frames flow, so its timer never fires then, and from its timer,
// half a period (50 ms at most) late, once they stop.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { monotonicMs } from '../../src/clock.js';
import { every, frameDelivered } from '../../src/housekeeping.js';

let delivering = false;
const deliver = (): void => {
  delivering = true;
  frameDelivered(monotonicMs());
  delivering = false;
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'hrtime'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('housekeeping', () => {
  it('runs a due task from the next frame while frames flow, never from its timer', () => {
    const runs: boolean[] = [];
    const stop = every(250, () => runs.push(delivering));
    // 30 fps for 2 s.
    for (let frame = 0; frame < 60; frame++) {
      vi.advanceTimersByTime(1000 / 30);
      deliver();
    }
    stop();
    expect(runs.length).toBeGreaterThanOrEqual(7);
    expect(runs.length).toBeLessThanOrEqual(8);
    expect(runs.every((fromFrame) => fromFrame)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs it from its timer once frames stop, at most 50 ms late', () => {
    const at: number[] = [];
    const start = monotonicMs();
    const stop = every(250, () => at.push(monotonicMs() - start));
    vi.advanceTimersByTime(1000);
    stop();
    expect(at).toEqual([300, 600, 900]);
    // A short period waits half of it, not 50 ms.
    const short: number[] = [];
    const shortStart = monotonicMs();
    const stopShort = every(40, () => short.push(monotonicMs() - shortStart));
    vi.advanceTimersByTime(130);
    stopShort();
    expect(short).toEqual([60, 120]);
  });

  it('runs each task at its own period, and none after it is stopped', () => {
    const runs = { fast: 0, slow: 0 };
    const stopFast = every(100, () => (runs.fast += 1));
    const stopSlow = every(1000, () => (runs.slow += 1));
    // A frame every 20 ms for 3 s: the fast task at 100, 200 ... 3000 ms, the slow one at 1, 2, 3 s.
    for (let frame = 0; frame < 150; frame++) {
      vi.advanceTimersByTime(20);
      deliver();
    }
    expect(runs).toEqual({ fast: 30, slow: 3 });
    stopFast();
    stopSlow();
    vi.advanceTimersByTime(5000);
    deliver();
    expect(runs).toEqual({ fast: 30, slow: 3 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a task that publishes a frame (a hub refresh) is not run again from inside itself', () => {
    let runs = 0;
    const stop = every(100, () => {
      runs += 1;
      deliver();
    });
    vi.advanceTimersByTime(150);
    stop();
    expect(runs).toBe(1);
  });
});
