// The process's periodic work that must happen whether frames flow or not: a hub's idle refresh
// and rate sample, the stall sweep of MJPEG clients, the connection guard's sweep. Each task is
// due every `periodMs`. A delivered frame runs what is due, since the JS thread is awake for it
// anyway, and one timer covers the gaps between frames. At camera rates that timer never fires.
// As three timers of their own, at 4 Hz each, they woke the JS thread 12 times a second beside
// the 30 frames of a 30 fps stream; the thread's idle time is what a small board saves power in.
import { monotonicMs } from './clock.js';

interface Task {
  readonly periodMs: number;
  readonly run: () => void;
  dueAt: number;
}

// How long the timer lets a due task wait for a frame to run it: longer than the gap between
// frames at 20 fps, so a stream at that rate or faster never wakes the thread for it.
const FRAME_GRACE_MS = 50;

const tasks = new Set<Task>();
let timer: NodeJS.Timeout | undefined;
let nextDueAt = Number.POSITIVE_INFINITY;
let running = false;

/** Runs `run` about every `periodMs` (first after one period) until the returned function is
 *  called. Late by at most the gap between two frames, or by half a period (50 ms at most) when
 *  no frame comes. */
export function every(periodMs: number, run: () => void): () => void {
  const task: Task = { periodMs, run, dueAt: monotonicMs() + periodMs };
  tasks.add(task);
  arm();
  return () => {
    if (tasks.delete(task)) arm();
  };
}

/** A frame reached JS at `now` (monotonicMs()): runs the tasks that are due. One comparison when
 *  none is. */
export function frameDelivered(now: number): void {
  if (!running && now >= nextDueAt) runDue();
}

function runDue(): void {
  running = true;
  try {
    const now = monotonicMs();
    for (const task of tasks) {
      if (now < task.dueAt) continue;
      // From now, not from the missed due time: a stalled loop does not run a task twice.
      task.dueAt = now + task.periodMs;
      task.run();
    }
  } finally {
    running = false;
    arm();
  }
}

function arm(): void {
  nextDueAt = Number.POSITIVE_INFINITY;
  let grace = FRAME_GRACE_MS;
  for (const task of tasks) {
    nextDueAt = Math.min(nextDueAt, task.dueAt);
    grace = Math.min(grace, task.periodMs / 2);
  }
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (tasks.size === 0) return;
  timer = setTimeout(runDue, Math.max(0, nextDueAt + grace - monotonicMs()));
  // Housekeeping alone keeps no process alive.
  timer.unref();
}
