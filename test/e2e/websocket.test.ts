// The server's side of RFC 6455 on /ws, byte by byte from a raw socket: the RFC's sample key,
// unmasked server frames, ping answered, a client's data ignored, unmasked and oversized client
// frames closed with their codes; and a WebSocket stream outliving the server's HTTP deadlines.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import { ControlledSource } from '../helpers/controlled-source.js';
import { FfmpegH264Producer } from '../helpers/h264-fixture.js';
import { fetchRaw } from '../helpers/http.js';
import { openMse } from '../helpers/mse-client.js';
import { sleep, waitUntil } from '../helpers/wait.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: Partial<Parameters<typeof createServer>[0]> = {}): Promise<TurbocamServer> {
  const server = createServer({
    source: new ControlledSource(64, 48),
    h264: new FfmpegH264Producer({ width: 160, height: 120 }),
    ...options,
  });
  cleanup.push(() => server.close());
  await server.listen({ port: 0 });
  return server;
}

const mseViewers = async (server: TurbocamServer): Promise<number> =>
  (JSON.parse((await fetchRaw({ port: server.port! }, '/state')).body.toString()) as { result: { h264: { viewers: { mse: number } } } })
    .result.h264.viewers.mse;

const HANDSHAKE =
  'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** A raw connection that has done the handshake: the server's frames as they come. */
async function rawWebSocket(
  port: number,
): Promise<{ head: string; frames: Array<{ opcode: number; payload: Buffer }>; send: (b: Buffer) => void; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  let buffer = Buffer.alloc(0);
  let head = '';
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  cleanup.push(() => void socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (head === '') {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      head = buffer.subarray(0, end).toString();
      buffer = buffer.subarray(end + 4);
    }
    for (;;) {
      if (buffer.length < 2) return;
      let length = buffer[1]! & 0x7f;
      let at = 2;
      if (length === 126) [length, at] = [buffer.readUInt16BE(2), 4];
      else if (length === 127) [length, at] = [Number(buffer.readBigUInt64BE(2)), 10];
      if (buffer.length < at + length) return;
      expect(buffer[1]! & 0x80).toBe(0); // server frames are never masked
      frames.push({ opcode: buffer[0]! & 0x0f, payload: buffer.subarray(at, at + length) });
      buffer = buffer.subarray(at + length);
    }
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(HANDSHAKE);
  await waitUntil('the handshake', () => head !== '');
  return { head, frames, send: (b) => socket.write(b), closed };
}

/** A client frame: FIN, the opcode, masked with `mask` (RFC 6455 5.3), or unmasked. */
function clientFrame(opcode: number, payload: Buffer, masked = true): Buffer {
  const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const body = masked ? Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!)) : payload;
  return Buffer.concat([Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | payload.length]), masked ? mask : Buffer.alloc(0), body]);
}

describe('WebSocket framing (RFC 6455)', () => {
  it("answers the RFC's sample key, pongs a ping, ignores a client's data, closes on an unmasked frame with 1002", async () => {
    const server = await start();
    const ws = await rawWebSocket(server.port!);
    expect(ws.head).toMatch(/^HTTP\/1\.1 101 /);
    expect(ws.head).toMatch(/^Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=$/im);
    await waitUntil('fragments', () => ws.frames.filter((f) => f.opcode === 2).length >= 3);
    expect(ws.frames[0]!.opcode).toBe(1);
    ws.send(clientFrame(1, Buffer.from('hello')));
    ws.send(clientFrame(9, Buffer.from('are you there')));
    await waitUntil('the pong', () => ws.frames.find((f) => f.opcode === 10));
    expect(ws.frames.find((f) => f.opcode === 10)!.payload.toString()).toBe('are you there');
    ws.send(clientFrame(2, Buffer.from('x'), false));
    await ws.closed;
    const close = ws.frames.find((f) => f.opcode === 8)!;
    expect(close.payload.readUInt16BE(0)).toBe(1002);
    expect(close.payload.subarray(2).toString()).toBe('client frames must be masked');
    await waitUntil('the viewer is gone', async () => (await mseViewers(server)) === 0);
  });

  it('closes with 1009 on a client frame past 64 KiB, before it arrives', async () => {
    const server = await start();
    const ws = await rawWebSocket(server.port!);
    const huge = Buffer.alloc(10);
    huge[0] = 0x82;
    huge[1] = 0x80 | 127;
    huge.writeBigUInt64BE(1n << 40n, 2);
    ws.send(huge);
    await ws.closed;
    expect(ws.frames.find((f) => f.opcode === 8)!.payload.readUInt16BE(0)).toBe(1009);
  });
});

describe('a long MSE stream', () => {
  it('outlives the server timeout and the request deadlines: only heads are timed', async () => {
    // serverTimeoutMs 1000: heads within 1 s, Node's requestTimeout 3 s, checked every 250 ms.
    const server = await start({ serverTimeoutMs: 1000 });
    const mse = await openMse(`ws://127.0.0.1:${server.port}/ws`);
    cleanup.push(() => mse.ws.terminate());
    await sleep(4500);
    const count = mse.messages.length;
    await waitUntil('more fragments', () => mse.messages.length > count + 10);
    expect(mse.ws.readyState).toBe(mse.ws.OPEN);
  });
});
