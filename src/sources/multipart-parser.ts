// Splits a multipart/x-mixed-replace body into parts. Strict about structure (boundary lines,
// header blocks, JPEG payloads), lenient about what real servers get wrong: bare LF line ends,
// missing Content-Length (the part then ends at the next boundary), boundaries declared with
// their leading dashes, and junk between parts.
import { TurbocamError } from '../errors.js';

export interface MultipartPart {
  headers: Map<string, string>;
  /** The part's own copy: safe to keep after the parser moves on. */
  body: Buffer;
}

/** The boundary of a `multipart/x-mixed-replace; boundary=...` Content-Type. */
export function boundaryOf(contentType: string | undefined): string {
  if (contentType === undefined || !/^\s*multipart\/x-mixed-replace\s*(;|$)/i.test(contentType)) {
    throw new TurbocamError('ERR_UPSTREAM_FORMAT', `upstream is not multipart/x-mixed-replace (Content-Type: ${contentType ?? 'none'})`);
  }
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined || boundary === '')
    throw new TurbocamError('ERR_UPSTREAM_FORMAT', 'multipart Content-Type without a boundary');
  return boundary;
}

type State = 'delimiter' | 'headers' | 'body';

export class MultipartParser {
  private readonly delimiter: Buffer;
  private readonly maxPartBytes: number;
  private buffer: Buffer = Buffer.alloc(0);
  private state: State = 'delimiter';
  private headers = new Map<string, string>();
  private contentLength: number | undefined;
  /** Where the search for the closing delimiter resumes, so long bodies are scanned once. */
  private scanFrom = 0;
  /** Chunks of a body of known length, held aside until it is complete. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(boundary: string, maxPartBytes = 32 * 1024 * 1024) {
    // Some servers declare the boundary with the dashes it appears with in the body.
    this.delimiter = Buffer.from(boundary.startsWith('--') ? boundary : `--${boundary}`);
    this.maxPartBytes = maxPartBytes;
  }

  /** Feeds bytes; returns the parts they completed. Throws ERR_UPSTREAM_FORMAT on broken framing. */
  push(chunk: Buffer): MultipartPart[] {
    // Copying everything received so far on every chunk would be quadratic in the part's size
    // (a 4 MB frame in 16 KiB reads: over a second): chunks of an incomplete body wait aside.
    if (
      this.state === 'body' &&
      this.contentLength !== undefined &&
      this.buffer.length + this.pendingBytes + chunk.length < this.contentLength
    ) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return [];
    }
    if (this.pending.length > 0) {
      this.buffer = Buffer.concat([this.buffer, ...this.pending, chunk]);
      this.pending = [];
      this.pendingBytes = 0;
    } else {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    }
    const parts: MultipartPart[] = [];
    for (;;) {
      if (this.state === 'delimiter' && !this.readDelimiter()) break;
      if (this.state === 'headers' && !this.readHeaders()) break;
      if (this.state === 'body') {
        const part = this.readBody();
        if (part === undefined) break;
        parts.push(part);
      }
    }
    if (this.buffer.length > this.maxPartBytes + 64 * 1024) {
      throw new TurbocamError('ERR_UPSTREAM_FORMAT', `multipart part larger than ${this.maxPartBytes} bytes`);
    }
    return parts;
  }

  private readDelimiter(): boolean {
    const at = this.buffer.indexOf(this.delimiter);
    if (at < 0) {
      // Keep a tail that might hold the start of a delimiter.
      this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - this.delimiter.length));
      return false;
    }
    const lineEnd = this.buffer.indexOf(0x0a, at + this.delimiter.length);
    if (lineEnd < 0) {
      this.buffer = this.buffer.subarray(at);
      return false;
    }
    const rest = this.buffer
      .subarray(at + this.delimiter.length, lineEnd)
      .toString('latin1')
      .trim();
    if (rest === '--') throw new TurbocamError('ERR_UPSTREAM_END', 'upstream ended the multipart stream');
    this.buffer = this.buffer.subarray(lineEnd + 1);
    this.state = 'headers';
    return true;
  }

  private readHeaders(): boolean {
    let offset = 0;
    const headers = new Map<string, string>();
    for (;;) {
      const lineEnd = this.buffer.indexOf(0x0a, offset);
      if (lineEnd < 0) {
        if (this.buffer.length > 64 * 1024) throw new TurbocamError('ERR_UPSTREAM_FORMAT', 'multipart part headers too long');
        return false;
      }
      let line = this.buffer.subarray(offset, lineEnd).toString('latin1');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      offset = lineEnd + 1;
      if (line === '') break;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new TurbocamError('ERR_UPSTREAM_FORMAT', `bad multipart header line: ${JSON.stringify(line.slice(0, 80))}`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    this.buffer = this.buffer.subarray(offset);
    this.headers = headers;
    const length = headers.get('content-length');
    if (length !== undefined) {
      const parsed = Number(length);
      if (!Number.isInteger(parsed) || parsed < 0 || parsed > this.maxPartBytes) {
        throw new TurbocamError('ERR_UPSTREAM_FORMAT', `bad multipart Content-Length: ${length}`);
      }
      this.contentLength = parsed;
    } else {
      this.contentLength = undefined;
    }
    this.scanFrom = 0;
    this.state = 'body';
    return true;
  }

  private readBody(): MultipartPart | undefined {
    let body: Buffer;
    if (this.contentLength !== undefined) {
      if (this.buffer.length < this.contentLength) return undefined;
      body = Buffer.from(this.buffer.subarray(0, this.contentLength));
      this.buffer = this.buffer.subarray(this.contentLength);
    } else {
      const at = this.buffer.indexOf(this.delimiter, this.scanFrom);
      if (at < 0) {
        this.scanFrom = Math.max(0, this.buffer.length - this.delimiter.length);
        return undefined;
      }
      // The line break before the delimiter belongs to the framing, not the body.
      let end = at;
      if (end > 0 && this.buffer[end - 1] === 0x0a) end -= 1;
      if (end > 0 && this.buffer[end - 1] === 0x0d) end -= 1;
      body = Buffer.from(this.buffer.subarray(0, end));
      this.buffer = this.buffer.subarray(at);
    }
    this.state = 'delimiter';
    return { headers: this.headers, body };
  }
}
