// A child process for test/v4l2/m2m-stream.test.ts, run with the fault-ioctl shim preloaded (a
// preload must be there at exec): runs the built addon's M2M video stream over argv[3] test-pattern
// frames with the JSON options in argv[2], a keyframe forced at each index of the JSON list in
// argv[4], and prints one JSON line: the error it failed with, or each unit's keyframe flag and
// the stream's stats.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const { native } = await import(pathToFileURL(join(process.env.TURBOCAM_DIST, 'native.js')).href);
const options = JSON.parse(process.argv[2]);
const frames = Array.from({ length: Number(process.argv[3]) }, (_, i) =>
  native.testPattern(options.width, options.height, options.format, i),
);
try {
  const run = await native.m2mVideoStreamForTest(options, frames, JSON.parse(process.argv[4]));
  console.log(JSON.stringify({ keyframes: run.units.map((unit) => unit.keyframe), stats: run.stats }));
} catch (error) {
  console.log(JSON.stringify({ error: { code: error.code, path: error.path, message: error.message } }));
}
