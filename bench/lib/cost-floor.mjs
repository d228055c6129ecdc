// The JS-thread floor of the cost part: the least a Node MJPEG server can do per frame. A timer
// writes the same JPEG, with a part header, to every /stream client with cork/uncork, straight to
// the socket. `/count` answers how many frames it has written, for the bench's CPU window.
//   node cost-floor.mjs PORT FPS JPEG_FILE
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, fps, file] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const jpeg = readFileSync(file);
const sockets = new Set();
let frames = 0;
let sequence = 0;

createServer((req, res) => {
  if (req.url === '/count') {
    res.end(JSON.stringify({ frames }));
    return;
  }
  const socket = req.socket;
  socket.setNoDelay(true);
  socket.write('HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=f\r\n\r\n--f\r\n');
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
}).listen(port, '127.0.0.1');

setInterval(() => {
  sequence += 1;
  const head = `Content-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nX-Timestamp: ${(performance.now() / 1000).toFixed(6)}\r\nX-Sequence: ${sequence}\r\n\r\n`;
  for (const socket of sockets) {
    socket.cork();
    socket.write(head);
    socket.write(jpeg);
    socket.write('\r\n--f\r\n');
    socket.uncork();
    frames += 1;
  }
}, 1000 / fps);
