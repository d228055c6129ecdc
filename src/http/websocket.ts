// The server side of RFC 6455, as much as a stream that only sends needs: the handshake, unmasked
// binary and text frames out, and from the client only close and ping handled (its data frames
// are read and dropped, each at most 64 KiB, so a client cannot make the server buffer).
// Written here rather than taken from `ws`: it is this small, and the package keeps no runtime
// dependency beyond its build tools.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_CLIENT_PAYLOAD = 64 * 1024;

const OP = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** Close codes (RFC 6455 7.4.1). */
export const CLOSE = { NORMAL: 1000, GOING_AWAY: 1001, PROTOCOL: 1002, TOO_BIG: 1009, INTERNAL: 1011 } as const;

/** Why a request is not a WebSocket handshake this server takes, or undefined when it is one. */
export function handshakeProblem(req: IncomingMessage): string | undefined {
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') return 'a WebSocket handshake wants Upgrade: websocket';
  const connection = (req.headers.connection ?? '').toLowerCase().split(',');
  if (!connection.some((token) => token.trim() === 'upgrade')) return 'a WebSocket handshake wants Connection: Upgrade';
  if (req.headers['sec-websocket-version'] !== '13') return 'a WebSocket handshake wants Sec-WebSocket-Version: 13';
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(key.trim())) {
    return 'a WebSocket handshake wants a Sec-WebSocket-Key of 16 bytes in base64';
  }
  return undefined;
}

/** Accept's answer to a key: base64(SHA-1(key + GUID)). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(`${key.trim()}${GUID}`).digest('base64');
}

function header(opcode: number, length: number): Buffer {
  if (length < 126) return Buffer.from([0x80 | opcode, length]);
  if (length < 0x10000) {
    const head = Buffer.from([0x80 | opcode, 126, 0, 0]);
    head.writeUInt16BE(length, 2);
    return head;
  }
  const head = Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  head[1] = 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head;
}

export interface WebSocketEvents {
  /** The connection is gone (either side closed it, or it broke); called once. */
  onClose: (code: number, reason: string) => void;
}

/** One accepted connection. Sending after close is a no-op. */
export class WebSocketConnection {
  private closed = false;
  private closeSent = false;
  private pending: Buffer = Buffer.alloc(0);
  private closeCode: number = CLOSE.GOING_AWAY;
  private closeReason = '';

  constructor(
    readonly socket: Duplex,
    private readonly events: WebSocketEvents,
    head: Buffer = Buffer.alloc(0),
  ) {
    if (head.length > 0) this.read(head);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.finish());
    socket.on('end', () => socket.end());
  }

  get isOpen(): boolean {
    return !this.closed && !this.closeSent;
  }

  /** Bytes written and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Writes a frame; false when the socket's buffer is past its high-water mark (wait for 'drain'). */
  sendBinary(data: Buffer): boolean {
    return this.frame(OP.BINARY, data);
  }

  sendText(text: string): boolean {
    return this.frame(OP.TEXT, Buffer.from(text, 'utf8'));
  }

  /** Starts the closing handshake: a close frame, then the socket ends once the client answers
   *  (or after a second, for one that never does). */
  close(code: number, reason = ''): void {
    if (this.closeSent || this.closed) return;
    // A control frame's payload is at most 125 bytes: 2 for the code, the rest the reason.
    let text = Buffer.from(reason, 'utf8');
    if (text.length > 123) text = Buffer.from(reason.slice(0, 100), 'utf8').subarray(0, 123);
    const payload = Buffer.alloc(2 + text.length);
    payload.writeUInt16BE(code, 0);
    text.copy(payload, 2);
    this.closeCode = code;
    this.closeReason = reason;
    this.frame(OP.CLOSE, payload);
    this.closeSent = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private frame(opcode: number, payload: Buffer): boolean {
    if (this.closeSent || this.closed || this.socket.destroyed) return false;
    this.socket.cork();
    this.socket.write(header(opcode, payload.length));
    const flowing = this.socket.write(payload);
    this.socket.uncork();
    return flowing;
  }

  private read(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const buffer = this.pending;
      if (buffer.length < 2) return;
      const opcode = buffer[0]! & 0x0f;
      const masked = (buffer[1]! & 0x80) !== 0;
      let length = buffer[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        const long = buffer.readBigUInt64BE(2);
        length = long > BigInt(MAX_CLIENT_PAYLOAD) ? MAX_CLIENT_PAYLOAD + 1 : Number(long);
        at = 10;
      }
      if (!masked) {
        this.fail(CLOSE.PROTOCOL, 'client frames must be masked');
        return;
      }
      if (length > MAX_CLIENT_PAYLOAD || (opcode >= OP.CLOSE && length > 125)) {
        this.fail(CLOSE.TOO_BIG, 'frame too large');
        return;
      }
      if (buffer.length < at + 4 + length) return;
      const mask = buffer.subarray(at, at + 4);
      const payload = Buffer.from(buffer.subarray(at + 4, at + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
      this.pending = buffer.subarray(at + 4 + length);
      if (opcode === OP.CLOSE) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : CLOSE.NORMAL;
        if (!this.closeSent) this.close(code === 1005 || code === 1006 || code === 1015 ? CLOSE.NORMAL : code);
        this.closeCode = code;
        this.closeReason = payload.subarray(2).toString('utf8');
        return;
      }
      if (opcode === OP.PING) this.frame(OP.PONG, payload);
      else if (![OP.CONTINUATION, OP.TEXT, OP.BINARY, OP.PONG].includes(opcode as 0)) {
        this.fail(CLOSE.PROTOCOL, `unknown opcode ${opcode}`);
        return;
      }
    }
  }

  private fail(code: number, reason: string): void {
    this.pending = Buffer.alloc(0);
    this.socket.removeAllListeners('data');
    this.close(code, reason);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.onClose(this.closeCode, this.closeReason);
  }
}

/** Answers the handshake (101) on `socket` and wraps it; `head` is what Node read past the request. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, events: WebSocketEvents): WebSocketConnection {
  const key = String(req.headers['sec-websocket-key']);
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  return new WebSocketConnection(socket, events, head);
}
