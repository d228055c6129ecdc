// The README's test command. Runs each suite and ends with one plain line `N passed, N failed` counted from vitest's JSON results.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// Under the project, not /tmp: the vivid VM shares the project directory read-write but sees
// the host's /tmp read-only, and every run's report goes to the same place.
const out = 'test/.results';
const runs = [
  { name: 'host', command: ['npx', 'vitest', 'run', 'test/unit', 'test/e2e'] },
  { name: 'v4l2', command: ['test/vm/run', '--', 'npx', 'vitest', 'run', 'test/v4l2'] },
  // The same captures through the multi-planar API (vivid's multiplanar=2), as on many SoC boards.
  {
    name: 'v4l2-mplane',
    command: ['test/vm/run', '--vivid', 'n_devs=1 node_types=0x1 multiplanar=2', '--', 'npx', 'vitest', 'run', 'test/v4l2/capture.test.ts'],
  },
];

let passed = 0;
let failed = 0;
let status = 0;
mkdirSync(out, { recursive: true });
for (const run of runs) {
  const report = join(out, `${run.name}.json`);
  rmSync(report, { force: true });
  const [command, ...args] = run.command;
  const result = spawnSync(command, [...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
    stdio: 'inherit',
  });
  if (result.status !== 0) status = 1;
  if (!existsSync(report)) {
    console.error(`test: the ${run.name} run wrote no results (exit ${result.status})`);
    failed += 1;
    continue;
  }
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(status);
