// Reads LeakSanitizer logs and attributes each leak to the code that allocated it: the first
// stack frame outside the allocator, the C/C++ runtime and libturbojpeg (which only allocates
// when we ask it to). Leaks whose allocating code is turbocam's fail the check; the rest (Node,
// V8, OpenSSL, libuv tear-down) are listed as a count and ignored.
//   node scripts/leak-report.mjs LOG...
import { existsSync, readFileSync } from 'node:fs';

const RUNTIME = /libasan|libubsan|libstdc\+\+|libc\.so|libgcc|libturbojpeg|operator new|malloc|calloc|realloc|__interceptor/;
const OURS = /turbocam\.node|(?:^|[\s/(])native\//;

const logs = process.argv.slice(2).filter((file) => existsSync(file));
let ours = 0;
let others = 0;
let ourBytes = 0;
for (const file of logs) {
  const text = readFileSync(file, 'utf8');
  // The leak run is also an ASan run: a memory error there fails the check outright.
  const memoryError = /ERROR: AddressSanitizer: (?!.*detected memory leaks).*/.exec(text);
  if (memoryError !== null) {
    console.error(text.slice(memoryError.index, memoryError.index + 3000));
    ours += 1;
  }
  for (const block of text.split(/\n(?=(?:Direct|Indirect) leak of )/)) {
    const head = /^(Direct|Indirect) leak of (\d+) byte/.exec(block);
    if (head === null) continue;
    const frames = block.split('\n').filter((line) => /^\s+#\d+ /.test(line));
    const allocator = frames.find((line) => !RUNTIME.test(line));
    if (allocator !== undefined && OURS.test(allocator)) {
      ours += 1;
      ourBytes += Number(head[2]);
      console.error(block.split('\n').slice(0, 14).join('\n'));
    } else {
      others += 1;
    }
  }
}
console.log(
  `leak-report: ${logs.length} log(s); ${ours} leak(s) from turbocam code (${ourBytes} bytes); ${others} from Node/V8 internals (ignored)`,
);
process.exit(ours > 0 ? 1 : 0);
