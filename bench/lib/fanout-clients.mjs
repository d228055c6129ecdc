// A process of N viewers of /stream on loopback, for the fan-out bench (run as a child so the
// server's process is not also the clients'). Each viewer is a raw socket with an MjpegReader.
//   node fanout-clients.mjs PORT COUNT WARMUP_SECONDS WINDOW_SECONDS
// Prints one JSON line: per-client frames in the window, latencies (receipt of the whole JPEG -
// X-Timestamp, ms) and
// errors.
import { connect } from 'node:net';
import { MjpegReader, timestampMs } from './mjpeg-reader.mjs';

const [port, count, warmup, window] = process.argv.slice(2).map(Number);
const clients = [];
const latencies = [];
let measuring = false;
let badParts = 0;

for (let i = 0; i < count; i++) {
  const client = { frames: 0, error: null, gaps: 0, lastSequence: null };
  clients.push(client);
  const socket = connect({ host: '127.0.0.1', port });
  const reader = new MjpegReader({
    onPart(part) {
      if (!part.jpeg) badParts += 1;
      if (!measuring) return;
      client.frames += 1;
      if (part.timestamp !== null) latencies.push(Math.round((part.receivedMs - timestampMs(part.timestamp, part.receivedMs)) * 100) / 100);
      if (part.sequence !== null && client.lastSequence !== null && part.sequence > client.lastSequence + 1) client.gaps += 1;
      client.lastSequence = part.sequence;
    },
    onError(error) {
      client.error = error.message;
      socket.destroy();
    },
  });
  socket.setNoDelay(true);
  socket.on('connect', () => socket.write(`GET /stream HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
  socket.on('data', (chunk) => reader.push(chunk));
  socket.on('error', (error) => {
    client.error ??= error.code ?? error.message;
  });
  socket.on('close', () => {
    if (measuring) client.error ??= 'closed by server';
  });
  client.socket = socket;
}

setTimeout(() => {
  measuring = true;
  process.send?.({ event: 'window-start' });
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  setTimeout(() => {
    measuring = false;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const result = {
      seconds,
      cores: (cpu.user + cpu.system) / 1e6 / seconds,
      badParts,
      clients: clients.map(({ frames, error, gaps }) => ({ frames, fps: frames / seconds, error, gaps })),
      latencies,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`, () => {
      for (const c of clients) c.socket.destroy();
      process.exit(0);
    });
  }, window * 1000);
}, warmup * 1000);
