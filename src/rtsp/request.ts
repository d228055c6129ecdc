// Reading what an RTSP client sends on its connection: requests (an HTTP-like head and an
// optional body) and, once it plays over TCP, interleaved frames ($, channel, length: its RTCP
// reports), which are skipped. Bounded: a head past MAX_HEAD_BYTES is an error, not a buffer that grows.

export const MAX_HEAD_BYTES = 8192;
const MAX_BODY_BYTES = 65_536;

export interface RtspRequest {
  method: string;
  url: string;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: Buffer;
}

export type ReadResult = { kind: 'request'; request: RtspRequest } | { kind: 'bad'; reason: string };

const REQUEST_LINE = /^([A-Z_]+) (\S+) RTSP\/1\.0$/;

/** Accumulates a connection's bytes and yields what they hold, in order. */
export class RtspReader {
  private pending: Buffer = Buffer.alloc(0);

  *push(chunk: Buffer): Generator<ReadResult> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.pending.length === 0) return;
      if (this.pending[0] === 0x24) {
        if (this.pending.length < 4) return;
        const end = 4 + this.pending.readUInt16BE(2);
        if (this.pending.length < end) return;
        this.pending = this.pending.subarray(end);
        continue;
      }
      const headEnd = this.pending.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        if (this.pending.length > MAX_HEAD_BYTES) yield { kind: 'bad', reason: 'request head too large' };
        return;
      }
      const [line = '', ...fields] = this.pending.subarray(0, headEnd).toString('latin1').split('\r\n');
      const match = REQUEST_LINE.exec(line);
      if (match === null) {
        yield { kind: 'bad', reason: `not an RTSP/1.0 request line: ${JSON.stringify(line.slice(0, 80))}` };
        return;
      }
      const headers = new Map<string, string>();
      for (const field of fields) {
        const colon = field.indexOf(':');
        if (colon <= 0) {
          yield { kind: 'bad', reason: `malformed header: ${JSON.stringify(field.slice(0, 80))}` };
          return;
        }
        headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
      }
      const length = Number(headers.get('content-length') ?? '0');
      if (!Number.isInteger(length) || length < 0 || length > MAX_BODY_BYTES) {
        yield { kind: 'bad', reason: 'bad Content-Length' };
        return;
      }
      const bodyStart = headEnd + 4;
      if (this.pending.length < bodyStart + length) return;
      const body = this.pending.subarray(bodyStart, bodyStart + length);
      this.pending = this.pending.subarray(bodyStart + length);
      yield { kind: 'request', request: { method: match[1]!, url: match[2]!, headers, body } };
    }
  }
}
