// The README's dependency graphs (Layout section) as data, and the check of a tree's imports
// against one. A block reads, bottom room first, one line per layer:
//   formats/ pool/   -> error.h
//   pipeline/        -> all of the above
//   tools/           -> all of the above but napi/
// Rooms on one line never depend on each other; a room always may depend on itself.
import { readFileSync } from 'node:fs';

export interface Layering {
  /** Every room named, in the order of the block. */
  rooms: string[];
  /** What each room may depend on besides itself. */
  allowed: Map<string, Set<string>>;
}

/** The fenced block of README.md that follows the paragraph containing `marker`. */
export function readmeBlock(marker: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no paragraph with '${marker}'`);
  const open = readme.indexOf('```\n', at);
  const close = readme.indexOf('```', open + 4);
  return readme.slice(open + 4, close);
}

export function parseLayering(block: string): Layering {
  const rooms: string[] = [];
  const allowed = new Map<string, Set<string>>();
  for (const line of block.split('\n')) {
    if (line.trim() === '') continue;
    const [left, right] = line.split('->').map((part) => part.trim());
    if (left === undefined || right === undefined) throw new Error(`not 'rooms -> rooms': ${line}`);
    const names = left.split(/\s+/);
    const below = [...rooms];
    let may: string[];
    const all = /^all of the above(?: but (.+))?$/.exec(right);
    if (right === 'nothing') may = [];
    else if (all) may = below.filter((room) => !(all[1] ?? '').split(/\s+/).includes(room));
    else may = right.split(/\s+/);
    for (const room of may) if (!below.includes(room)) throw new Error(`'${line}' names ${room}, which is not a room above it`);
    for (const name of names) {
      rooms.push(name);
      allowed.set(name, new Set(may));
    }
  }
  return { rooms, allowed };
}

/** A dependency of one file on another, both named relative to the tree's root. */
export interface Edge {
  from: string;
  to: string;
}

const stem = (path: string): string => path.replace(/\.[^./]+$/, '');

/** The room of a file: the longest room that is a folder holding it, else a room naming the file
 *  (or its header, for a .cc); undefined when no room covers it. Folder rooms end in '/'. */
export function roomOf(layering: Layering, file: string): string | undefined {
  let best: string | undefined;
  for (const room of layering.rooms) {
    const covers = room.endsWith('/') ? file.startsWith(room) : stem(file) === stem(room);
    if (covers && (best === undefined || room.length > best.length)) best = room;
  }
  return best;
}

/** One line per edge that runs against the layering or touches a file no room covers. */
export function violations(layering: Layering, edges: Edge[]): string[] {
  const found: string[] = [];
  for (const { from, to } of edges) {
    const a = roomOf(layering, from);
    const b = roomOf(layering, to);
    if (a === undefined) found.push(`${from}: in no room of the README's graph`);
    else if (b === undefined) found.push(`${from} -> ${to}: ${to} is in no room of the README's graph`);
    else if (a !== b && !layering.allowed.get(a)?.has(b)) found.push(`${from} -> ${to}: ${a} may not depend on ${b}`);
  }
  return found;
}
