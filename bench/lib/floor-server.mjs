// The start-up floor: the least a Node MJPEG server can do (node:http, one tiny JPEG per /stream
// request, sent at once), launched like the CLI. turbocam's start-up minus this is what turbocam
// itself costs, whatever the machine's node boot time.
import { createServer } from 'node:http';

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=f' });
  res.write(`--f\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nX-Timestamp: 0\r\n\r\n`);
  res.write(jpeg);
}).listen(port, '127.0.0.1');
