// scripts/test-reporter.mjs, which the README's closing line is counted from, counts every way a
// run goes red: a failed test, a throwing hook, a file that fails to import, an unhandled error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const fixtures = 'test/fixtures/runner';
const dir = mkdtempSync(join(tmpdir(), 'turbocam-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a run that fails only outside its tests is counted as failed, and its skips are listed', () => {
  const report = join(dir, 'summary.json');
  const run = spawnSync(
    'npx',
    ['vitest', 'run', '--config', `${fixtures}/vitest.config.ts`, `--reporter=${resolve('scripts/test-reporter.mjs')}`],
    { env: { ...process.env, TURBOCAM_TEST_REPORT: report }, encoding: 'utf8' },
  );
  expect(run.status).toBe(1);
  const summary = JSON.parse(readFileSync(report, 'utf8'));
  expect(summary.passed).toBe(2);
  expect(summary.failed.sort()).toEqual([
    `${fixtures}/hook-throws.case.ts: beforeAll broke`,
    `${fixtures}/import-fails.case.ts: this module fails to load`,
    'unhandled error: nobody caught this',
  ]);
  expect(summary.skipped.sort()).toEqual([`${fixtures}/hook-throws.case.ts > never runs`, `${fixtures}/passes.case.ts > is skipped`]);
});

test('the runner refuses an unknown run name, naming the runs it has', () => {
  const run = spawnSync(process.execPath, ['scripts/test.mjs', 'hots', '--', 'test/unit/errors.test.ts'], { encoding: 'utf8' });
  expect(run.status).toBe(2);
  expect(run.stderr.trim()).toBe('test: unknown run hots (runs: format, host, v4l2, v4l2-mplane)');
});
