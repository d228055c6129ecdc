// Prints the addon's C++ sources for binding.gyp, the same set CMakeLists.txt globs,
// so the node-gyp build can never fall out of step with the cmake-js one.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'tools') yield* walk(path);
    } else if (entry.name.endsWith('.cc')) {
      yield relative(root, path);
    }
  }
}

console.log([...walk(join(root, 'native'))].sort().join(' '));
