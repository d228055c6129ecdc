// Waiting for events and states instead of sleeping: each deadline only bounds a hang, so a loaded
// machine makes a test slower, never red.
import type { EventEmitter } from 'node:events';

/** A generous bound for "this should happen soon": long enough for a loaded CI box or the TCG VM. */
export const HANG_MS = 20_000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the event's first argument; rejects after timeoutMs, naming the event. */
export function waitFor<T>(emitter: EventEmitter, event: string, timeoutMs = HANG_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no '${event}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (value: T): void => {
      clearTimeout(timer);
      resolve(value);
    };
    emitter.once(event, listener);
  });
}

/** Polls until check() returns a truthy value (which it resolves with); rejects after timeoutMs, naming what. */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, timeoutMs = HANG_MS, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
