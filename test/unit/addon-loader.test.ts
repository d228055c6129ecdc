// The loader's paths on real copies of the built addon, laid out as an installed package would have
// them: a prebuild alone, a local build beside it, nothing usable, and an addon whose libturbojpeg
// cannot be found. Also npm's install step, which must skip the compiler when a prebuild loads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

import { loadAddon, locateAddon } from '../../src/addon-loader.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const builtAddon = join(repo, 'build/Release/turbocam.node');
const hostFolder = `linux-${process.arch}`;
const scratch = mkdtempSync(join(tmpdir(), 'turbocam-loader-'));
let counter = 0;

function packageRoot(files: Record<string, Buffer>): string {
  const root = join(scratch, `pkg${counter++}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  // binary.napi_versions as in the real package.json: cmake-js then never reaches for Node's headers online.
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'turbocam', version: '0.0.0', binary: { napi_versions: [8] } }));
  return root;
}

// The same addon with its NEEDED entry renamed to a libturbojpeg soname that no system has: what a
// board without the libturbojpeg0 package looks like to the dynamic loader.
function addonWithoutLibturbojpeg(): Buffer {
  const bytes = Buffer.from(readFileSync(builtAddon));
  const needed = Buffer.from('libturbojpeg.so.0\0');
  const at = bytes.indexOf(needed);
  expect(at).toBeGreaterThan(0);
  bytes.write('libturbojpeg.so.9', at, 'latin1');
  return bytes;
}

const addon = () => readFileSync(builtAddon);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeEach(() => {
  delete process.env.TURBOCAM_ADDON;
});

describe('addon loader', () => {
  it('loads the prebuild matching this platform when there is no local build', () => {
    const root = packageRoot({
      [`prebuilds/${hostFolder}/node.napi.glibc.node`]: addon(),
      'prebuilds/linux-ppc64/node.napi.glibc.node': Buffer.from('not an addon'),
    });
    expect(locateAddon(root)).toBe(join(root, 'prebuilds', hostFolder, 'node.napi.glibc.node'));
    const loaded = loadAddon(root) as { formats: { name: string }[] };
    expect(loaded.formats.map((format) => format.name)).toContain('yuyv');
  });

  it('prefers a local build over a prebuild, so a source build is never shadowed', () => {
    const root = packageRoot({
      'build/Release/turbocam.node': addon(),
      [`prebuilds/${hostFolder}/node.napi.glibc.node`]: addon(),
    });
    expect(locateAddon(root)).toBe(join(root, 'build/Release/turbocam.node'));
  });

  it('skips prebuilds tagged for another libc or ARM version', () => {
    const root = packageRoot({
      [`prebuilds/${hostFolder}/node.napi.musl.node`]: addon(),
      [`prebuilds/${hostFolder}/node.napi.armv5.glibc.node`]: addon(),
    });
    expect(() => locateAddon(root)).toThrow(expect.objectContaining({ code: 'ERR_ADDON_MISSING' }));
    writeFileSync(join(root, 'prebuilds', hostFolder, 'node.napi.glibc.node'), addon());
    expect(locateAddon(root)).toBe(join(root, 'prebuilds', hostFolder, 'node.napi.glibc.node'));
  });

  it('with nothing for this platform, says how to build from source', () => {
    const root = packageRoot({ 'prebuilds/linux-ppc64/node.napi.glibc.node': addon() });
    const error = (() => {
      try {
        locateAddon(root);
      } catch (caught) {
        return caught as NodeJS.ErrnoException;
      }
      throw new Error('locateAddon found an addon in an empty package');
    })();
    expect(error.code).toBe('ERR_ADDON_MISSING');
    expect(error.message).toContain('npm rebuild turbocam');
    expect(error.message).toContain('libturbojpeg0-dev');
    expect(error.message).toContain(hostFolder);
  });

  it('honours TURBOCAM_ADDON and reports a missing file there', () => {
    process.env.TURBOCAM_ADDON = join(scratch, 'nowhere.node');
    expect(() => locateAddon(scratch)).toThrow(expect.objectContaining({ code: 'ERR_ADDON_MISSING' }));
    process.env.TURBOCAM_ADDON = builtAddon;
    expect(locateAddon(scratch)).toBe(builtAddon);
  });

  it('names the libturbojpeg0 package when the system library is missing', () => {
    const root = packageRoot({ [`prebuilds/${hostFolder}/node.napi.glibc.node`]: addonWithoutLibturbojpeg() });
    let error: (NodeJS.ErrnoException & { cause?: unknown }) | undefined;
    try {
      loadAddon(root);
    } catch (caught) {
      error = caught as NodeJS.ErrnoException;
    }
    expect(error?.code).toBe('ERR_ADDON_LOAD');
    expect(error?.message).toMatch(/^turbocam: the system library libturbojpeg is missing; install the package libturbojpeg0/);
    expect(error?.message).not.toContain('cannot open shared object file');
    // The loader's own words stay reachable for whoever debugs it.
    expect(String((error?.cause as Error | undefined)?.message)).toContain('libturbojpeg.so.9');
  });
});

describe('install step (scripts/build-native.mjs --install)', () => {
  function installIn(files: Record<string, Buffer>) {
    const root = packageRoot({
      ...files,
      'scripts/build-native.mjs': readFileSync(join(repo, 'scripts/build-native.mjs')),
    });
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    const env = { ...process.env };
    delete env.npm_config_build_from_source;
    const result = spawnSync(process.execPath, ['scripts/build-native.mjs', '--install'], { cwd: root, env, encoding: 'utf8' });
    return { root, ...result };
  }

  it('uses a prebuild that loads and runs no compiler', () => {
    const { root, status, stdout } = installIn({ [`prebuilds/${hostFolder}/node.napi.glibc.node`]: addon() });
    expect(stdout).toContain(`turbocam: using the prebuilt addon prebuilds/${hostFolder}/node.napi.glibc.node`);
    expect(status).toBe(0);
    expect(existsSync(join(root, 'build'))).toBe(false);
  });

  it('builds from source when the prebuild cannot load', () => {
    // No CMakeLists.txt in this package root: the source build starts and fails at once, which is
    // all this needs to show (the real build is CI's first step).
    const { status, stdout, stderr } = installIn({ [`prebuilds/${hostFolder}/node.napi.glibc.node`]: addonWithoutLibturbojpeg() });
    expect(stdout).toMatch(
      /no usable prebuilt addon \(.*libturbojpeg.*\): it needs the system library libturbojpeg, from the package libturbojpeg0; building from source/,
    );
    expect(stderr).toContain('CMakeLists.txt');
    expect(stderr).toContain('the native build failed');
    expect(status).toBe(1);
  });

  it('builds from source when there is no prebuild for this platform', () => {
    const { stdout, status } = installIn({ 'prebuilds/linux-ppc64/node.napi.glibc.node': addon() });
    expect(stdout).toMatch(/no usable prebuilt addon \(.*No native build was found.*\); building from source/);
    expect(status).toBe(1);
  });
});
