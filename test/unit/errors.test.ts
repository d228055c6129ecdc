// One error class and one list of codes: errors from C++ and from TypeScript are both
// TurbocamError, every code turbocam raises is in ERROR_CODES, the README's table lists exactly
// those, and no native binding can let a C++ exception escape into Node.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';
import { ERROR_CODES } from '../../src/errors.js';
import { encode, encodeSync, openCamera, testPattern, TurbocamError } from '../../src/index.js';
import { native } from '../../src/native.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Codes of errors Node raises that src/ compares against; turbocam never raises them.
const NODE_CODES = new Set(['ERR_HTTP_REQUEST_TIMEOUT']);

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('TurbocamError', () => {
  const frame = testPattern({ width: 64, height: 48, format: 'yuyv' });

  it('is the class of errors thrown by C++, with code, path and errno', async () => {
    const sync = caught(() => native.encodeSync(frame, 64, 48, 'yuyv', 0, undefined, undefined, 0, undefined));
    expect(sync).toBeInstanceOf(TurbocamError);
    expect(sync).toMatchObject({ name: 'TurbocamError', code: 'ERR_INVALID_ARG' });
    // Thrown on a libuv worker thread, rejected on the JS thread.
    const rejected = await native
      .encode(Buffer.from('not a jpeg'), 16, 16, 'mjpeg', 80, undefined, undefined, 0, undefined)
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(TurbocamError);
    expect(rejected).toMatchObject({ code: 'ERR_CORRUPT_FRAME' });
    const missing = await openCamera({ source: '/dev/video-turbocam-missing' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(TurbocamError);
    expect(missing).toMatchObject({ code: 'ENOENT', path: '/dev/video-turbocam-missing', errno: -2 });
    expect(caught(() => native.setSendBuffer(-1, 1))).toBeInstanceOf(TurbocamError);
  });

  it('is the class of errors thrown by TypeScript', async () => {
    expect(await encode(frame, { width: 64, height: 48, format: 'yuyv', quality: 0 }).catch((e: unknown) => e)).toBeInstanceOf(
      TurbocamError,
    );
    expect(caught(() => encodeSync(frame, { width: 64, height: 48, format: 'h264' as never }))).toBeInstanceOf(TurbocamError);
    expect(await openCamera({ source: 'testsrc', quality: 101 }).catch((e: unknown) => e)).toBeInstanceOf(TurbocamError);
    expect(caught(() => parseCli(['--quality', '0']))).toMatchObject({ name: 'TurbocamError', code: 'ERR_BAD_FLAG' });
  });
});

describe('error codes', () => {
  const codes = Object.keys(ERROR_CODES);

  it("the README's table lists exactly ERROR_CODES, with the same meanings", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| code | meaning |'));
    const rows = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([A-Z0-9_]+)` \| (.*) \|$/gm)].map((match) => [
      match[1],
      match[2],
    ]);
    expect(rows.length).toBeGreaterThan(20);
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
  });

  it('every ERR_ code in src/ and native/ is in ERROR_CODES', () => {
    const used = new Set<string>();
    for (const file of [...files('src', /\.ts$/), ...files('native', /\.(h|cc)$/)]) {
      for (const match of readFileSync(file, 'utf8').matchAll(/['"](ERR_[A-Z_]+)['"]/g)) used.add(match[1] ?? '');
    }
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((code) => !NODE_CODES.has(code) && !codes.includes(code))).toEqual([]);
  });

  it('every code TypeScript names when it raises an error is in ERROR_CODES', () => {
    const raised = new Set<string>();
    for (const file of files('src', /\.ts$/)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/new TurbocamError\(\s*['"]([A-Z_]+)['"]/g)) raised.add(match[1] ?? '');
    }
    expect(raised.size).toBeGreaterThan(10);
    expect([...raised].filter((code) => !codes.includes(code))).toEqual([]);
  });
});

describe('the native error seam', () => {
  // However a formatter breaks the lines: every registration is read, or named as unreadable.
  const FUNCTION = /Napi::Function::New\(\s*env\s*,\s*([^,]+?)\s*,/g;
  const METHOD = /InstanceMethod\(\s*"\w+"\s*,\s*([^)]+?)\s*\)/g;
  function unguarded(file: string, text: string): string[] {
    const found: string[] = [];
    const functions = [...text.matchAll(FUNCTION)];
    const methods = [...text.matchAll(METHOD)];
    if (functions.length !== text.split('Napi::Function::New(').length - 1)
      found.push(`${file}: a Napi::Function::New the check cannot read`);
    if (methods.length !== text.split('InstanceMethod(').length - 1) found.push(`${file}: an InstanceMethod the check cannot read`);
    for (const match of functions) if (!match[1]?.startsWith('guarded<')) found.push(`${file}: ${match[0]}`);
    for (const match of methods) if (!match[1]?.includes('guardedMethod<')) found.push(`${file}: ${match[0]}`);
    return found;
  }

  it('registers every export and method through guarded<>, so no C++ exception reaches Node', () => {
    const texts = files('native/napi', /\.cc$/).map((file) => [file, readFileSync(file, 'utf8')] as const);
    expect(texts.reduce((n, [, text]) => n + [...text.matchAll(FUNCTION)].length + [...text.matchAll(METHOD)].length, 0)).toBeGreaterThan(
      10,
    );
    expect(texts.flatMap(([file, text]) => unguarded(file, text))).toEqual([]);
  });

  it('the check finds a binding registered without the guard, on one line or several', () => {
    expect(unguarded('x.cc', 'exports.Set("x", Napi::Function::New(env, X, "x"));')).toEqual(['x.cc: Napi::Function::New(env, X,']);
    expect(unguarded('x.cc', 'exports.Set("x", Napi::Function::New(\n    env,\n    guarded<X>, "x"));')).toEqual([]);
    expect(unguarded('x.cc', 'DefineClass(env, "C", {InstanceMethod("m",\n  &C::M)});')).toEqual(['x.cc: InstanceMethod("m",\n  &C::M)']);
    expect(unguarded('x.cc', 'Napi::Function::New(env);')).toEqual(['x.cc: a Napi::Function::New the check cannot read']);
  });
});
