// A relay: another MJPEG server's stream (a board running turbocam or µStreamer, an IP camera)
// re-served at a lower frame rate, at /stream, with its newest JPEG at /snapshot. The upstream is
// read once however many viewers the relay has, and retried while it is away.
//
//   node examples/relay.js --url http://board.local:8080/stream [--fps 5] [--port 8090]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { mjpegHandler, openRelay, snapshotHandler } from 'turbocam';

const { values } = parseArgs({
  options: { url: { type: 'string' }, fps: { type: 'string', default: '5' }, port: { type: 'string', default: '8090' } },
});
if (values.url === undefined) {
  console.error('relay: --url http://host:port/stream is required');
  process.exit(2);
}

const upstream = await openRelay({ url: values.url, persistent: true });
upstream.on('disconnect', (error) => console.error(`relay: upstream lost (${error.code ?? error.message}), retrying`));
const stream = mjpegHandler(upstream, { fps: Number(values.fps) });
const snapshot = snapshotHandler(upstream);

const server = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://relay.invalid');
  if (pathname === '/stream') stream(req, res);
  else if (pathname === '/snapshot') snapshot(req, res);
  else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('try /stream or /snapshot\n');
});
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`relay: ${values.url} at ${values.fps} fps on http://127.0.0.1:${server.address().port}/stream`);
});

const stop = async () => {
  stream.close();
  snapshot.close();
  server.close();
  await upstream.close();
  console.log('relay: stopped');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
