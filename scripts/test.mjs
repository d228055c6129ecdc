// The README's test command. Runs each suite and ends with one plain line,
// `N passed, N failed[, N skipped]`, counted by scripts/test-reporter.mjs. A failure is a failed
// test, an error outside a test (a throwing hook, a file that fails to import), an unhandled error,
// or a run that ends non-zero without a report; the exit code is 1 exactly when that count is not 0.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Under the project, not /tmp: the vivid VM shares the project directory read-write but sees
// the host's /tmp read-only, and every run's report goes to the same place.
const out = 'test/.results';
const reporter = resolve('scripts/test-reporter.mjs');
const runs = [
  { name: 'host', command: ['npx', 'vitest', 'run', 'test/unit', 'test/e2e'] },
  { name: 'v4l2', command: ['test/vm/run', '--', 'npx', 'vitest', 'run', 'test/v4l2'] },
  // The same captures through the multi-planar API (vivid's multiplanar=2), as on many SoC boards,
  // and the M2M encoder fed by a multi-planar camera's DMABUFs.
  // TURBOCAM_EXPECT_MPLANE makes the suite fail unless the device really is multi-planar.
  {
    name: 'v4l2-mplane',
    env: { TURBOCAM_EXPECT_MPLANE: '1' },
    command: ['test/vm/run', '--vivid', 'n_devs=1 node_types=0x1 multiplanar=2', '--', 'npx', 'vitest', 'run', 'test/v4l2/capture.test.ts',
      'test/v4l2/m2m.test.ts'],
  },
];
const only = process.argv.slice(2);

let passed = 0;
const failed = [];
const skipped = [];
mkdirSync(out, { recursive: true });
for (const run of runs.filter((r) => only.length === 0 || only.includes(r.name))) {
  const report = resolve(join(out, `${run.name}.json`));
  rmSync(report, { force: true });
  const [command, ...args] = run.command;
  const result = spawnSync(command, [...args, '--reporter=default', `--reporter=${reporter}`], {
    stdio: 'inherit',
    env: { ...process.env, ...run.env, TURBOCAM_TEST_REPORT: report },
  });
  const before = failed.length;
  if (existsSync(report)) {
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    passed += summary.passed;
    failed.push(...summary.failed.map((f) => `${run.name}: ${f}`));
    skipped.push(...summary.skipped.map((s) => `${run.name}: ${s}`));
  }
  // No report (the VM did not boot, vitest crashed) or a non-zero exit nothing above explains.
  if (result.status !== 0 && failed.length === before) {
    failed.push(`${run.name}: exited ${result.status ?? result.signal}${existsSync(report) ? '' : ' and wrote no results'}`);
  }
}
for (const s of skipped) console.log(`skipped: ${s}`);
for (const f of failed) console.log(`FAILED: ${f}`);
console.log(`${passed} passed, ${failed.length} failed${skipped.length ? `, ${skipped.length} skipped` : ''}`);
process.exit(failed.length ? 1 : 0);
