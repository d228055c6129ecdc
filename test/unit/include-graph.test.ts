// native/ includes run one way: the README's graph (Layout section) is the rule, read from there,
// and every `#include "..."` of native/**/*.{h,cc} is checked against it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLayering, readmeBlock, violations, type Edge } from '../helpers/layering.js';

const NATIVE = fileURLToPath(new URL('../../native/', import.meta.url));
const layering = parseLayering(readmeBlock('Native includes run one way'));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(h|cc)$/.test(entry.name) ? [relative(NATIVE, path)] : [];
  });
}

function includes(file: string): string[] {
  const text = readFileSync(join(NATIVE, file), 'utf8');
  return [...text.matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)].map((match) => match[1] ?? '');
}

const files = sources(NATIVE);
const edges: Edge[] = files.flatMap((from) => includes(from).map((to) => ({ from, to })));

describe('native include graph', () => {
  it('reads a graph with the rooms the tree has', () => {
    expect(layering.rooms).toEqual(expect.arrayContaining(['error.h', 'sources/', 'sources/v4l2/', 'pipeline/', 'napi/']));
    expect(files.length).toBeGreaterThan(40);
  });

  it('every include names a file of native/, relative to it', () => {
    const known = new Set(files);
    expect(edges.filter(({ to }) => !known.has(to))).toEqual([]);
  });

  it('every include runs the way the README graph allows', () => {
    expect(violations(layering, edges)).toEqual([]);
  });

  it('only napi/ includes napi.h', () => {
    const offenders = files.filter(
      (file) => !file.startsWith('napi/') && /#\s*include\s+<napi\.h>/.test(readFileSync(join(NATIVE, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('the check catches a wrong-way include, a sibling include and a file outside every room', () => {
    expect(
      violations(layering, [
        { from: 'sources/v4l2/v4l2_capture.cc', to: 'pipeline/capture_pipeline.h' },
        { from: 'sources/pipe/pipe_source.cc', to: 'sources/testsrc/test_pattern.h' },
        { from: 'sources/capture_source.h', to: 'sources/v4l2/v4l2_device.h' },
        { from: 'encoder/jpeg_encoder.cc', to: 'napi/js_error.h' },
        { from: 'tools/fuzz/x.cc', to: 'napi/js_error.h' },
        { from: 'elsewhere/x.cc', to: 'error.h' },
      ]),
    ).toHaveLength(6);
    expect(
      violations(layering, [
        { from: 'napi/addon.cc', to: 'sources/v4l2/v4l2_device.h' },
        { from: 'error.cc', to: 'error.h' },
      ]),
    ).toEqual([]);
  });
});
