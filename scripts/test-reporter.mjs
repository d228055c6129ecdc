// A vitest reporter for scripts/test.mjs: writes one run's counts to $TURBOCAM_TEST_REPORT as JSON.
// vitest's own JSON report leaves out what fails a run without failing a test: an unhandled error
// appears nowhere in it, and a throwing beforeAll or an import failure only marks its file. Here
// each of those is a failure of its own, named, so the closing line cannot say `0 failed` on a red run.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const line = (error) => String(error.message).split('\n')[0];

export default class TurbocamSummary {
  onTestRunEnd(modules, unhandledErrors, reason) {
    const summary = { reason, passed: 0, failed: [], skipped: [] };
    for (const module of modules) {
      const file = relative(process.cwd(), module.moduleId);
      let counted = 0;
      for (const test of module.children.allTests()) {
        const name = `${file} > ${test.fullName}`;
        const state = test.result().state;
        if (state === 'passed') summary.passed += 1;
        else if (state === 'failed') summary.failed.push(name);
        else summary.skipped.push(name);
        if (state === 'failed') counted += 1;
      }
      // Errors outside any test: a file that failed to import, a throwing hook (its tests are skipped).
      const errors = [
        ...module.errors().map((error) => `${file}: ${line(error)}`),
        ...[...module.children.allSuites()].flatMap((suite) =>
          suite.errors().map((error) => `${file} > ${suite.fullName}: ${line(error)}`),
        ),
      ];
      summary.failed.push(...errors);
      counted += errors.length;
      if (module.state() === 'failed' && counted === 0) summary.failed.push(`${file}: failed with no failed test`);
    }
    summary.failed.push(...unhandledErrors.map((error) => `unhandled error: ${line(error)}`));
    writeFileSync(process.env.TURBOCAM_TEST_REPORT, JSON.stringify(summary, null, 1));
  }
}
