// The formatters: prettier for the TypeScript and JavaScript, clang-format for native/.
// `node scripts/format.mjs` rewrites every file; `--check` rewrites nothing, prints one line per
// file that is not formatted and exits 1 when there is one (scripts/test.mjs runs it first).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const check = process.argv.includes('--check');
const prettierFiles = ['{src,test,bench,scripts,examples}/**/*.{ts,mts,cts,js,mjs,cjs}', '*.ts'];
// Debian's versioned name first: formatting differs between clang-format releases.
const clangFormat = process.env.CLANG_FORMAT ?? 'clang-format-14';

function nativeFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return nativeFiles(path);
    return /\.(cc|cpp|h|hpp)$/.test(entry.name) ? [path] : [];
  });
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) {
    console.log(`format: cannot run ${command} (${result.error.code ?? result.error.message})`);
    process.exit(1);
  }
  return result;
}

const unformatted = [];
// --list-different prints its file names at the log level: quiet only the rewrite.
const prettier = run('npx', [
  '--no-install',
  'prettier',
  ...(check ? ['--list-different'] : ['--write', '--log-level', 'warn']),
  ...prettierFiles,
]);
// --list-different names each unformatted file on stdout and exits 1; 2 is prettier's own failure.
if (prettier.status === 2 || (!check && prettier.status !== 0)) {
  process.stderr.write(prettier.stderr);
  console.log('format: prettier failed');
  process.exit(1);
}
if (check) unformatted.push(...prettier.stdout.split('\n').filter(Boolean));

const sources = nativeFiles('native').sort();
const clang = run(clangFormat, check ? ['--dry-run', '-Werror', ...sources] : ['-i', ...sources]);
if (check) {
  // One `file:line:col: error: code should be clang-formatted` per offending spot.
  const files = new Set([...clang.stderr.matchAll(/^(.+?):\d+:\d+: error: /gm)].map((match) => match[1]));
  if (clang.status !== 0 && files.size === 0) {
    process.stderr.write(clang.stderr);
    console.log(`format: ${clangFormat} failed`);
    process.exit(1);
  }
  unformatted.push(...files);
} else if (clang.status !== 0) {
  process.stderr.write(clang.stderr);
  console.log(`format: ${clangFormat} failed`);
  process.exit(1);
}

for (const file of unformatted) console.log(`${file}: not formatted (npm run format rewrites it)`);
process.exit(unformatted.length > 0 ? 1 : 0);
