// The package's install step: builds the addon with cmake-js, after checking for the system
// pieces a fresh board lacks, so the failure names the package to install instead of a CMake trace.
// With --install (npm's install script) a prebuilt binary that loads on this machine is used
// instead, so a Pi needs no compiler; `--build-from-source` on npm's command line forces the build.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));

function has(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

// Loads the matching prebuild in a child process, so a binary that crashes or cannot link (an
// older glibc or libstdc++, a missing libturbojpeg) only sends us to the source build.
function loadablePrebuild() {
  const probe = `const path = require('node-gyp-build').path(${JSON.stringify(root)});
    require(path); process.stdout.write(path);`;
  const result = spawnSync(process.execPath, ['-e', probe], {
    cwd: root,
    env: { ...process.env, PREBUILDS_ONLY: '1' },
    encoding: 'utf8',
  });
  if (result.status === 0) return { path: result.stdout };
  // The thrown error's own line, not the source excerpt Node prints above it.
  const reason = (/^\w*Error: (.*)$/m.exec(result.stderr)?.[1] ?? `exit ${result.status ?? result.signal}`).trim();
  return { reason };
}

const installing = process.argv.includes('--install');
const buildFromSource = /^(true|turbocam)$/.test(process.env.npm_config_build_from_source ?? '');
if (installing && !buildFromSource) {
  const prebuild = loadablePrebuild();
  if (prebuild.path) {
    console.log(`turbocam: using the prebuilt addon ${relative(root, prebuild.path)}`);
    process.exit(0);
  }
  const need = /libturbojpeg/.test(prebuild.reason) ? ': it needs the system library libturbojpeg, from the package libturbojpeg0' : '';
  console.log(`turbocam: no usable prebuilt addon (${prebuild.reason})${need}; building from source`);
}

const missing = [];
if (!has('cmake', ['--version'])) missing.push('cmake');
if (!has('c++', ['--version'])) missing.push('g++');
if (!has('pkg-config', ['--version'])) missing.push('pkg-config');
else if (!has('pkg-config', ['--exists', 'libturbojpeg'])) missing.push('libturbojpeg0-dev');

if (missing.length > 0) {
  console.error(
    `turbocam: cannot build the native addon, missing: ${missing.join(', ')}. ` +
      // Root (a bare container) has no sudo to run.
      `Install with: ${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install ${missing.join(' ')}`,
  );
  process.exit(1);
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'compile', '--log-level', 'warn', ...process.argv.slice(2).filter((arg) => arg !== '--install')];
try {
  execFileSync(process.execPath, args, { stdio: 'inherit', cwd: root });
} catch {
  console.error('turbocam: the native build failed (see above). Retry with: npm rebuild turbocam --build-from-source');
  process.exit(1);
}
