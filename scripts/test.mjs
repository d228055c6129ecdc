// The README's test command. Runs each suite and ends with one plain line,
// `N passed, N failed[, N skipped]`, counted by scripts/test-reporter.mjs. A failure is a failed
// test, an error outside a test (a throwing hook, a file that fails to import), an unhandled error,
// a run that ends non-zero without a report, or a file the formatters would change; the exit code
// is 1 exactly when that count is not 0.
//   node scripts/test.mjs [RUN...] [-- FILE...]   only these runs (format, host, v4l2, v4l2-mplane),
//                                                 and only these test files in each vitest run
//                                                 (same VM boot and init)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Under the project, not /tmp: the vivid VM shares the project directory read-write but sees
// the host's /tmp read-only, and every run's report goes to the same place.
const out = 'test/.results';
const reporter = resolve('scripts/test-reporter.mjs');
const runs = [
  // Not a vitest run: one failure per file the formatters would change.
  { name: 'format', command: ['node', 'scripts/format.mjs', '--check'], lines: true },
  { name: 'host', command: ['npx', 'vitest', 'run'], files: ['test/unit', 'test/e2e'] },
  { name: 'v4l2', command: ['test/vm/run', '--', 'npx', 'vitest', 'run'], files: ['test/v4l2'] },
  // The same captures through the multi-planar API (vivid's multiplanar=2), as on many SoC boards,
  // and the M2M encoder fed by a multi-planar camera's DMABUFs.
  // TURBOCAM_EXPECT_MPLANE makes the suite fail unless the device really is multi-planar.
  {
    name: 'v4l2-mplane',
    env: { TURBOCAM_EXPECT_MPLANE: '1' },
    command: ['test/vm/run', '--vivid', 'n_devs=1 node_types=0x1 multiplanar=2', '--', 'npx', 'vitest', 'run'],
    files: ['test/v4l2/capture.test.ts', 'test/v4l2/m2m.test.ts'],
  },
];
const dashes = process.argv.indexOf('--');
const only = process.argv.slice(2, dashes === -1 ? undefined : dashes);
const files = dashes === -1 ? [] : process.argv.slice(dashes + 1);
const unknown = only.filter((name) => !runs.some((r) => r.name === name));
if (unknown.length > 0) {
  console.error(`test: unknown run ${unknown.join(', ')} (runs: ${runs.map((r) => r.name).join(', ')})`);
  process.exit(2);
}

let passed = 0;
const failed = [];
const skipped = [];
mkdirSync(out, { recursive: true });
const selected = runs.filter((r) => only.length === 0 || only.includes(r.name));
// The CLI tests build dist/ when src/ is newer; inside the TCG guest that compile takes minutes
// and blocks the test worker (no test timeout fires meanwhile), so the host builds it first.
if (selected.some((r) => r.command[0] === 'test/vm/run')) {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (build.status !== 0) failed.push(`build: tsc exited ${build.status ?? build.signal}`);
}
for (const run of selected) {
  const [command, ...args] = run.command;
  if (run.lines) {
    const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = (result.stdout ?? '').split('\n').filter(Boolean);
    failed.push(...lines.map((line) => `${run.name}: ${line}`));
    if (result.status !== 0 && lines.length === 0) failed.push(`${run.name}: exited ${result.status ?? result.signal}`);
    continue;
  }
  const report = resolve(join(out, `${run.name}.json`));
  rmSync(report, { force: true });
  const result = spawnSync(command, [...args, ...(files.length > 0 ? files : run.files), '--reporter=default', `--reporter=${reporter}`], {
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
    // test/vm/run: 125 when the guest did not run the command (a module such as vivid failed to
    // load, or the guest broke), 124 when it timed out.
    const vm =
      run.command[0] === 'test/vm/run'
        ? ({ 124: ' (the VM timed out)', 125: ' (the VM did not run the tests: see its turbocam-vm: line)' }[result.status] ?? '')
        : '';
    failed.push(`${run.name}: exited ${result.status ?? result.signal}${vm}${existsSync(report) ? '' : ' and wrote no results'}`);
  }
}
for (const s of skipped) console.log(`skipped: ${s}`);
for (const f of failed) console.log(`FAILED: ${f}`);
console.log(`${passed} passed, ${failed.length} failed${skipped.length ? `, ${skipped.length} skipped` : ''}`);
process.exit(failed.length ? 1 : 0);
