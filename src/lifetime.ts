// Lifetimes of what turbocam opens (the Camera, the server): `await using` through
// Symbol.asyncDispose, and an AbortSignal that closes them.
import { TurbocamError } from './errors.js';

// Runtimes without the well-known symbol get the one Node registers for it (as Node's own
// polyfill did), so `await using` and Node's own disposers agree on it.
(Symbol as { asyncDispose?: symbol }).asyncDispose ??= Symbol.for('nodejs.asyncDispose');

/** ERR_ABORTED for `where`, with the signal's reason as its cause. */
export function abortError(where: string, signal: AbortSignal): TurbocamError {
  return new TurbocamError('ERR_ABORTED', `${where}: aborted by its signal`, { cause: signal.reason });
}

/** Throws ERR_ABORTED when `signal` (if any) has already aborted. */
export function throwIfAborted(where: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(where, signal);
}

/** Calls `close` once when `signal` aborts. Returns what stops listening (call it on close). */
export function closeOnAbort(signal: AbortSignal | undefined, close: () => Promise<void>): () => void {
  if (signal === undefined) return () => undefined;
  if (!(signal instanceof AbortSignal))
    throw new TurbocamError('ERR_INVALID_ARG', `\`signal\` must be an AbortSignal, got ${String(signal)}`);
  const onAbort = (): void => void close();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
