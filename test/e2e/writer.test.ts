// The MJPEG writer's promises that no client can see by itself: every client is written the very
// same Buffer (no per-client copy), and advance_headers sends the next part's headers early.
import { connect, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ControlledSource, solidJpeg } from '../helpers/controlled-source.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { serverFixture } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

const fixture = serverFixture();

describe('MjpegWriter', () => {
  it('writes the same Buffer object to every client', async () => {
    const source = new ControlledSource(64, 48);
    const server = await fixture.start({ source });
    const clients = [0, 1, 2].map(() => new StrictMjpegClient({ port: server.port ?? 0 }));
    await waitUntil('three clients registered', () => server.clientCount === 3);
    const frame = solidJpeg(64, 48, 5);
    // Record every Buffer the server's sockets are asked to send.
    const written: unknown[] = [];
    const proto = Socket.prototype as unknown as {
      _writev: (chunks: Array<{ chunk: unknown }>, cb: () => void) => void;
      _write: (chunk: unknown, encoding: string, cb: () => void) => void;
    };
    const writev = proto._writev;
    const write = proto._write;
    proto._writev = function (this: Socket, chunks, cb) {
      for (const { chunk } of chunks) written.push(chunk);
      writev.call(this, chunks, cb);
    };
    proto._write = function (this: Socket, chunk, encoding, cb) {
      written.push(chunk);
      write.call(this, chunk, encoding, cb);
    };
    try {
      source.push(frame);
      await Promise.all(clients.map((c) => c.waitForParts(1)));
    } finally {
      proto._writev = writev;
      proto._write = write;
    }
    const jpegs = written.filter((chunk) => Buffer.isBuffer(chunk) && chunk.length === frame.length && chunk.equals(frame));
    expect(jpegs).toHaveLength(3);
    for (const chunk of jpegs) expect(chunk).toBe(frame);
    for (const client of clients) {
      expect(client.parts[0]?.body.equals(frame)).toBe(true);
      client.close();
    }
  });

  it('advance_headers sends each part header block right after the previous frame', async () => {
    const source = new ControlledSource(64, 48);
    const server = await fixture.start({ source });
    const socket = connect(server.port ?? 0, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.write('GET /stream?advance_headers=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    const partHead = /^--turbocamframe\r\nContent-Type: image\/jpeg\r\nX-Timestamp: [\d.]+\r\n\r\n$/;
    // Before any frame exists, the opening boundary and the first part's headers are already there.
    await waitUntil('the first part header block', () =>
      partHead.test(received.subarray(received.indexOf('\r\n\r\n') + 4).toString('latin1')),
    );
    const head = received.indexOf('\r\n\r\n');
    const body = () => received.subarray(head + 4).toString('latin1');
    expect(body()).toMatch(/^--turbocamframe\r\nContent-Type: image\/jpeg\r\nX-Timestamp: [\d.]+\r\n\r\n$/);
    const frame = solidJpeg(64, 48, 1);
    source.push(frame);
    const after = () => received.subarray(head + 4);
    const start = after().indexOf('\r\n\r\n') + 4;
    const tail = () =>
      after()
        .subarray(start + frame.length)
        .toString('latin1');
    // The frame and, at once, the next part's header block (nothing else is sent until a new frame
    // or the idle refresh a second later).
    await waitUntil('the frame and the next header block', () =>
      /^\r\n--turbocamframe\r\nContent-Type: image\/jpeg\r\nX-Timestamp: [\d.]+\r\n\r\n/.test(tail()),
    );
    expect(
      after()
        .subarray(start, start + frame.length)
        .equals(frame),
    ).toBe(true);
    socket.destroy();
  });

  it('the boundary follows each frame at once, before any next frame exists', async () => {
    const source = new ControlledSource(64, 48);
    const server = await fixture.start({ source });
    const socket = connect(server.port ?? 0, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil('the client registered', () => server.clientCount === 1);
    const frame = solidJpeg(64, 48, 3);
    source.push(frame);
    // One frame only: its closing boundary must arrive without waiting for another (a browser
    // paints a part once it sees the boundary after it).
    const end = () => received.indexOf(frame) + frame.length;
    await waitUntil(
      'the boundary after the frame',
      () => received.indexOf(frame) >= 0 && received.subarray(end()).toString('latin1').startsWith('\r\n--turbocamframe\r\n'),
    );
    expect(received.indexOf(frame, end())).toBe(-1);
    socket.destroy();
  });
});
