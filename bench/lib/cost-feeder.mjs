// The FIFO source of the cost part, a process of its own so its CPU is not the server's: writes
// test-pattern frames to the FIFO as fast as the reader takes them (the server paces the read).
//   node cost-feeder.mjs FIFO WIDTH HEIGHT FORMAT COUNT
import { openSync, writeSync } from 'node:fs';

const [fifo, width, height, format, count] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  process.argv[5],
  Number(process.argv[6]),
];
const { testPattern } = await import('../../dist/index.js');
const frames = Array.from({ length: count }, (_, frame) => testPattern({ width, height, format, frame }));
const fd = openSync(fifo, 'w');
try {
  for (let i = 0; ; i++) {
    const frame = frames[i % count];
    for (let at = 0; at < frame.length;) at += writeSync(fd, frame, at);
  }
} catch (error) {
  // The server closed its end: done.
  if (error.code !== 'EPIPE') throw error;
}
