// Memory in tests: RSS bounds that hold under the sanitizer too, and the GC on demand.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// RSS bounds hold for the normal build. Under AddressSanitizer (scripts/sanitize.sh sets
// TURBOCAM_SANITIZER) every allocation carries redzones and shadow memory, which ASan documents
// as about 3x memory overhead, so the same live memory reads as a larger RSS.
export const RSS_SCALE = process.env.TURBOCAM_SANITIZER === undefined ? 1 : 3;

// The GC on demand without a runner flag (the flag applies to contexts created afterwards): a
// released frame's pool lease returns only when its Buffer is collected.
setFlagsFromString('--expose-gc');
export const gc = runInNewContext('gc') as () => void;

/** Collects unreachable Buffers and lets their finalizers run (from the event loop, after the GC). */
export async function collect(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
