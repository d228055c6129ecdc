// A minimal multipart/x-mixed-replace reader for many sockets at once: it finds part headers,
// reads Content-Length and X-Timestamp / X-Sequence, and skips the JPEG body without copying it.
// Part boundaries are taken from Content-Length (turbocam sends it on every part); a part without
// one is an error, counted, because the bench must not guess where frames end.

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 64 * 1024;

/** X-Timestamp in CLOCK_MONOTONIC milliseconds. µStreamer (and turbocam, after it) send seconds
 *  with a fraction; a server may send milliseconds: whichever reading is nearer `nowMs` wins, as
 *  the two differ by a factor of 1000. */
export function timestampMs(value, nowMs) {
  return Math.abs(nowMs - value * 1000) < Math.abs(nowMs - value) ? value * 1000 : value;
}

export class MjpegReader {
  /** onPart({ timestamp, sequence, bytes, receivedMs, jpeg }) once per complete part;
   *  onBodyStart(receivedMs) when the first byte of a part body arrives. */
  constructor({ onPart, onBodyStart, onError }) {
    this.onPart = onPart;
    this.onBodyStart = onBodyStart ?? (() => {});
    this.onError = onError ?? (() => {});
    this.pending = null;
    this.httpDone = false;
    this.remaining = 0;
    this.part = null;
    this.failed = false;
  }

  push(chunk) {
    let data = chunk;
    while (data.length > 0 && !this.failed) {
      if (this.part) {
        if (this.remaining === this.part.bytes) {
          this.part.jpeg = data[0] === 0xff;
          this.onBodyStart(Number(process.hrtime.bigint()) / 1e6);
        }
        const take = Math.min(this.remaining, data.length);
        this.remaining -= take;
        data = data.subarray(take);
        if (this.remaining === 0) {
          const part = this.part;
          this.part = null;
          part.receivedMs = Number(process.hrtime.bigint()) / 1e6;
          this.onPart(part);
        }
        continue;
      }
      this.pending = this.pending ? Buffer.concat([this.pending, data]) : data;
      const end = this.pending.indexOf(HEADER_END);
      if (end < 0) {
        if (this.pending.length > MAX_HEADER_BYTES) this.fail('no end of headers in 64 KiB');
        return;
      }
      const text = this.pending.subarray(0, end).toString('latin1');
      data = this.pending.subarray(end + 4);
      this.pending = null;
      if (!this.httpDone) {
        this.httpDone = true;
        if (!/^HTTP\/1\.[01] 200/.test(text)) return this.fail(`response: ${text.split('\r\n')[0]}`);
        continue;
      }
      // Blank lines between parts (some servers end a body with an extra CRLF) are not a part.
      if (text.trim() === '') continue;
      const length = /content-length:\s*(\d+)/i.exec(text);
      if (!length) return this.fail('part without Content-Length');
      const timestamp = /x-timestamp:\s*([\d.]+)/i.exec(text);
      const sequence = /x-sequence:\s*(\d+)/i.exec(text);
      const bytes = Number(length[1]);
      this.part = { bytes, timestamp: timestamp ? Number(timestamp[1]) : null, sequence: sequence ? Number(sequence[1]) : null };
      this.remaining = bytes;
      if (bytes === 0) {
        this.part = null;
        this.fail('empty part');
      }
    }
  }

  fail(reason) {
    this.failed = true;
    this.onError(new Error(reason));
  }
}
