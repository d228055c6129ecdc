// src/ imports run one way and never in a circle: the README's graph (Layout section) is the
// rule, read from there, and every relative import, re-export and dynamic import of src/**/*.ts
// is checked against it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLayering, readmeBlock, violations, type Edge } from '../helpers/layering.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const layering = parseLayering(readmeBlock('src/ imports run one way'));

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*,?\s*\)/g),
  ].map((match) => match[1] ?? '');
  return specifiers.filter((spec) => spec.startsWith('.')).map((spec) => normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts'));
}

/** Every cycle of the module graph, each as the path that closes it. */
function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      found.push([...path.slice(path.indexOf(node)), node]);
      return;
    }
    state.set(node, 'open');
    for (const to of next.get(node) ?? []) visit(to, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of next.keys()) visit(node, []);
  return found;
}

const files = modules(SRC);
const edges: Edge[] = files.flatMap((from) => imports(from).map((to) => ({ from, to })));

describe('src import graph', () => {
  it('reads a graph with the rooms the tree has, and the imports of every module', () => {
    expect(layering.rooms).toEqual(expect.arrayContaining(['types.ts', 'sources/', 'native.ts', 'http/', 'cli/', 'index.ts']));
    expect(edges.length).toBeGreaterThan(50);
    expect(edges).toContainEqual({ from: 'cli/main.ts', to: 'camera.ts' }); // a dynamic import
  });

  it('every import names a module of src/', () => {
    const known = new Set(files);
    expect(edges.filter(({ to }) => !known.has(to))).toEqual([]);
  });

  it('every import runs the way the README graph allows', () => {
    expect(violations(layering, edges)).toEqual([]);
  });

  it('no module imports itself back through others', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('the checks catch an upward import, a sibling import and a cycle inside a room', () => {
    expect(
      violations(layering, [
        { from: 'sources/relay.ts', to: 'hub.ts' },
        { from: 'cli/args.ts', to: 'http/routes.ts' },
        { from: 'encode.ts', to: 'camera.ts' },
        { from: 'native.ts', to: 'encode.ts' },
        { from: 'http/server.ts', to: 'camera.ts' },
      ]),
    ).toHaveLength(4);
    expect(
      cycles([
        { from: 'http/a.ts', to: 'http/b.ts' },
        { from: 'http/b.ts', to: 'http/a.ts' },
      ]),
    ).toEqual([['http/a.ts', 'http/b.ts', 'http/a.ts']]);
  });
});
