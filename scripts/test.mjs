// The README's test command. Runs each suite and ends with one plain line `N passed, N failed` counted from vitest's JSON results.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'turbocam-test-'));
const runs = [
  { name: 'host', command: ['npx', 'vitest', 'run', 'test/unit', 'test/e2e'] },
  // The V4L2 tests run in the vivid VM, which cannot write the host's /tmp: its report goes
  // under the project directory, which the VM shares read-write.
  { name: 'v4l2', command: ['test/vm/run', '--', 'npx', 'vitest', 'run', 'test/v4l2'], report: 'test/vm/.cache/v4l2-results.json' },
  // The same captures through the multi-planar API (vivid's multiplanar=2), as on many SoC boards.
  {
    name: 'v4l2-mplane',
    command: ['test/vm/run', '--vivid', 'n_devs=1 node_types=0x1 multiplanar=2', '--', 'npx', 'vitest', 'run', 'test/v4l2/capture.test.ts'],
    report: 'test/vm/.cache/v4l2-mplane-results.json',
  },
];

let passed = 0;
let failed = 0;
let status = 0;
for (const run of runs) {
  const file = join(out, `${run.name}.json`);
  const report = run.report ?? file;
  if (run.report) {
    mkdirSync(join(run.report, '..'), { recursive: true });
    rmSync(run.report, { force: true });
  }
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
