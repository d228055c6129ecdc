// An Express app with the camera on its routes: the MJPEG stream at /camera/stream, the newest
// JPEG at /camera/snapshot, and a page showing the stream at /. Ctrl-C closes the camera (its
// AbortSignal) and the server.
//
//   node examples/express.js [--source /dev/video0] [--port 8080]
//
// Without a camera, the source defaults to turbocam's test pattern. Express is not a dependency of
// turbocam: `npm install express` beside it.
import { parseArgs } from 'node:util';
import express from 'express';
import { mjpegHandler, openCamera, snapshotHandler } from 'turbocam';

const { values } = parseArgs({ options: { source: { type: 'string', default: 'testsrc' }, port: { type: 'string', default: '8080' } } });

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

const camera = await openCamera({ source: values.source, width: 640, height: 480, fps: 30, signal: stop.signal });
const stream = mjpegHandler(camera);
const snapshot = snapshotHandler(camera);

const app = express();
app.get('/', (req, res) => {
  res.type('html').send('<!doctype html><title>camera</title><img src="/camera/stream" alt="camera">');
});
app.get('/camera/stream', stream);
app.get('/camera/snapshot', snapshot);

const server = app.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`express: streaming ${camera.info.name} at http://127.0.0.1:${server.address().port}/camera/stream`);
});

stop.signal.addEventListener('abort', () => {
  // The handlers end their streams; the signal has already closed the camera.
  stream.close();
  snapshot.close();
  server.close(() => console.log('express: stopped'));
});
