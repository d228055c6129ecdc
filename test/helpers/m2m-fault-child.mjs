// A child process for test/v4l2/m2m-busy.test.ts, run with the fault-ioctl shim preloaded (a
// preload must be there at exec, so the test cannot do this in its own process): opens the built
// library's Camera with the JSON options in argv[2], takes argv[3] frames, and prints one JSON
// line: the error it was refused with, or the warnings, each frame's first four bytes and the
// encoder stats.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const { openCamera } = await import(pathToFileURL(join(process.env.TURBOCAM_DIST, 'index.js')).href);
const options = JSON.parse(process.argv[2]);
const count = Number(process.argv[3]);
let camera;
try {
  camera = await openCamera(options);
} catch (error) {
  console.log(JSON.stringify({ error: { code: error.code, path: error.path, message: error.message } }));
  process.exit(0);
}
const warnings = [];
camera.on('warning', (error) => warnings.push({ code: error.code, path: error.path, message: error.message }));
const heads = [];
for await (const frame of camera) {
  heads.push(Buffer.from(frame.data.subarray(0, 4)).toString('hex'));
  if (heads.length >= count) break;
}
const encoder = camera.stats().encoder;
await camera.close();
console.log(JSON.stringify({ warnings, heads, encoder }));
