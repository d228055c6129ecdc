// A build's smoke test: the addon loads and exposes its surface. CI runs it after each build system.
import { native } from '../dist/native.js';

const label = process.argv[2] ?? 'build';
const names = native.formats.map((format) => format.name);
if (!names.includes('yuyv') || !names.includes('mjpeg')) {
  console.error(`smoke (${label}): unexpected format table: ${names.join(', ')}`);
  process.exit(1);
}
console.log(`smoke (${label}): addon loads, ${names.length} formats`);
