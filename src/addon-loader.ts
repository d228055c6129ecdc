// Finds and loads the addon binary of a package root: TURBOCAM_ADDON when set, else what
// node-gyp-build picks (a local build/Release first, then the prebuilds/<platform>-<arch>/ file
// whose tags match this Node: napi, armv, libc). Failures become coded errors that say what to do.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TurbocamError } from './errors.js';

const require = createRequire(import.meta.url);
const nodeGypBuild = require('node-gyp-build') as { path(root: string): string };

const BUILD_HINT = 'build it with `npm rebuild turbocam --build-from-source` (needs cmake, g++, pkg-config and libturbojpeg0-dev)';

/** The addon file this package root would load, or a coded ERR_ADDON_MISSING error. */
export function locateAddon(root: string): string {
  const override = process.env.TURBOCAM_ADDON;
  if (override !== undefined) {
    if (!existsSync(override)) {
      throw new TurbocamError('ERR_ADDON_MISSING', `turbocam: native addon not built (${override}); ${BUILD_HINT}`);
    }
    return override;
  }
  try {
    return nodeGypBuild.path(root);
  } catch {
    const platform = `${process.platform}-${process.arch}`;
    throw new TurbocamError(
      'ERR_ADDON_MISSING',
      `turbocam: native addon not built (${join(root, 'build/Release/turbocam.node')}, and no prebuilt ` +
        `binary for ${platform} in ${join(root, 'prebuilds')}); ${BUILD_HINT}`,
    );
  }
}

/** Loads the addon of a package root; the caller gives it its type. */
export function loadAddon(root: string): unknown {
  const path = locateAddon(root);
  try {
    return require(path) as unknown;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    // The addon links the system libturbojpeg: name the package, not the loader's complaint.
    if (/libturbojpeg/.test(message)) {
      throw new TurbocamError(
        'ERR_ADDON_LOAD',
        'turbocam: the system library libturbojpeg is missing; install the package libturbojpeg0 ' +
          `(${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install libturbojpeg0), then retry. Addon: ${path}`,
        { cause },
      );
    }
    throw new TurbocamError('ERR_ADDON_LOAD', `turbocam: cannot load the native addon ${path}: ${message}; ${BUILD_HINT}`, { cause });
  }
}
