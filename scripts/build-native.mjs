// The package's install step: builds the addon with cmake-js, after checking for the system
// pieces a fresh board lacks, so the failure names the package to install instead of a CMake trace.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function has(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

const missing = [];
if (!has('cmake', ['--version'])) missing.push('cmake');
if (!has('c++', ['--version'])) missing.push('g++');
if (!has('pkg-config', ['--version'])) missing.push('pkg-config');
else if (!has('pkg-config', ['--exists', 'libturbojpeg'])) missing.push('libturbojpeg0-dev');

if (missing.length > 0) {
  console.error(`turbocam: cannot build the native addon, missing: ${missing.join(', ')}. ` +
    `Install with: sudo apt-get install ${missing.join(' ')}`);
  process.exit(1);
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'compile', '--log-level', 'warn', ...process.argv.slice(2)];
try {
  execFileSync(process.execPath, args, { stdio: 'inherit' });
} catch {
  console.error('turbocam: the native build failed (see above). Retry with: npm rebuild turbocam');
  process.exit(1);
}
