// One FrameHub per source, however many handlers and servers read it: each frame is encoded once
// and published once, and the source is paused only when none of them has a viewer (hubs of their
// own would pause it under each other's viewers). Likewise one H.264 hub per producer.
import { H264Hub } from '../h264/hub.js';
import { FrameHub, type FrameHubOptions } from '../hub.js';
import type { Log } from '../log.js';
import { renderNoSignal } from '../no-signal.js';
import type { H264Producer } from '../sources/h264-source.js';
import type { FrameSource } from '../sources/source.js';
import { invalidArg } from '../validate.js';

const HUB_OPTIONS = ['dropSameFrames', 'refreshMs', 'noSignal', 'noSignalFps', 'pauseAfterMs', 'giveBack'] as const;

interface Shared {
  hub: FrameHub;
  users: number;
  /** The options the hub was made with, as given (undefined: the default). */
  options: Pick<FrameHubOptions, (typeof HUB_OPTIONS)[number]>;
}

const shared = new WeakMap<FrameSource, Shared>();

export interface HubLease {
  hub: FrameHub;
  /** Gives the hub back; the last user's release detaches it from the source. */
  release: () => void;
}

/** The source's hub, made on first use. A later user that asks for other hub options than the
 *  first one gave gets ERR_INVALID_ARG rather than a hub that silently ignores them. */
export function acquireHub(source: FrameSource, options: FrameHubOptions, who: string): HubLease {
  let entry = shared.get(source);
  if (entry === undefined) {
    const given = Object.fromEntries(HUB_OPTIONS.map((key) => [key, options[key]])) as Shared['options'];
    const hub = new FrameHub(source, { ...given, noSignal: given.noSignal ?? renderNoSignal });
    entry = { hub, users: 0, options: given };
    shared.set(source, entry);
  } else {
    for (const key of HUB_OPTIONS) {
      const value = options[key];
      if (value !== undefined && value !== entry.options[key]) {
        throw invalidArg(
          who,
          key,
          `${String(entry.options[key] ?? 'the default')}, as the handler or server already reading this source has it (one hub per source), or no value`,
          typeof value === 'function' ? 'a function' : value,
        );
      }
    }
  }
  return lease(shared, source, entry);
}

const sharedH264 = new WeakMap<H264Producer, { hub: H264Hub; users: number }>();

export interface H264HubLease {
  hub: H264Hub;
  release: () => void;
}

/** The producer's H.264 hub, shared by every server on it (a producer codes one stream); without
 *  a producer, a hub of its own that says H.264 is unavailable. */
export function acquireH264Hub(producer: H264Producer | undefined, log: Log): H264HubLease {
  if (producer === undefined) {
    const hub = new H264Hub(undefined, { log });
    return { hub, release: () => hub.close() };
  }
  let entry = sharedH264.get(producer);
  if (entry === undefined) {
    entry = { hub: new H264Hub(producer, { log }), users: 0 };
    sharedH264.set(producer, entry);
  }
  return lease(sharedH264, producer, entry);
}

/** One more user of a shared hub; the last user's release closes it and forgets it. */
function lease<K extends object, H extends { close(): void }>(
  registry: WeakMap<K, { hub: H; users: number }>,
  key: K,
  entry: { hub: H; users: number },
): { hub: H; release: () => void } {
  entry.users += 1;
  let held = true;
  return {
    hub: entry.hub,
    release: () => {
      if (!held) return;
      held = false;
      entry.users -= 1;
      if (entry.users > 0) return;
      entry.hub.close();
      if (registry.get(key) === entry) registry.delete(key);
    },
  };
}
