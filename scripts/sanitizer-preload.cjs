// Loaded with `node --require` by scripts/sanitize.sh. The ASan runtime must be preloaded into
// every Node process that loads the sanitized addon (test workers included), but not into the
// tools tests spawn: curl hangs at start-up with libasan preloaded. So LD_PRELOAD is taken out of
// this process's environment and given back only to child processes that are Node itself (or a
// shell that execs it).
'use strict';
const childProcess = require('node:child_process');
const path = require('node:path');

const preload = process.env.LD_PRELOAD ?? process.env.TURBOCAM_ASAN_PRELOAD;
if (preload) {
  delete process.env.LD_PRELOAD;
  process.env.TURBOCAM_ASAN_PRELOAD = preload;
  // Shells too: tests start Node through `sh -c 'exec node ...'` (to hand it a socket).
  const isNode = (file) => file === process.execPath || ['node', 'sh', 'bash', 'dash'].includes(path.basename(String(file)));
  const spawn = childProcess.ChildProcess.prototype.spawn;
  childProcess.ChildProcess.prototype.spawn = function spawnWithPreload(options) {
    if (options && Array.isArray(options.envPairs)) {
      options.envPairs = options.envPairs.filter((pair) => !pair.startsWith('LD_PRELOAD='));
      if (isNode(options.file)) options.envPairs.push(`LD_PRELOAD=${preload}`);
    }
    return spawn.call(this, options);
  };
}
