// A client of GET /ws (fMP4 over a WebSocket) built on the `ws` package, so the server is checked
// against an implementation it shares no code with; and reading fragments back.
import WebSocket from 'ws';
import { findBox } from './mp4-boxes.js';

export interface MseMessage {
  /** A text message, parsed (the init announcement). */
  json?: { type: string; codec: string; width: number; height: number };
  /** A binary message: an init segment or a fragment. */
  data?: Buffer;
}

export interface MseClient {
  ws: WebSocket;
  messages: MseMessage[];
  /** Resolves with the close code and reason (1006 when the connection broke without a close). */
  closed: Promise<{ code: number; reason: string }>;
}

export function openMse(url: string, options: WebSocket.ClientOptions = {}): Promise<MseClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const messages: MseMessage[] = [];
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on('close', (code, reason) => done({ code, reason: reason.toString() })),
    );
    ws.on('message', (data: Buffer, isBinary) => {
      messages.push(isBinary ? { data } : { json: JSON.parse(data.toString()) as MseMessage['json'] });
    });
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const error = Object.assign(new Error(`HTTP ${res.statusCode}`), {
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
        reject(error);
      });
    });
    ws.once('error', reject);
  });
}

export interface FragmentInfo {
  sequence: number;
  /** tfdt, 90 kHz ticks. */
  decodeTime: number;
  sync: boolean;
}

/** mfhd's sequence, tfdt's decode time and the sample's sync flag of a moof + mdat. */
export function fragmentInfo(data: Buffer): FragmentInfo {
  const moof = findBox(data, 'moof');
  if (moof === undefined) throw new Error(`not a fragment: starts with ${data.toString('latin1', 4, 8)}`);
  const sequence = findBox(moof.body, 'mfhd')!.body.readUInt32BE(4);
  const decodeTime = Number(findBox(moof.body, 'traf/tfdt')!.body.readBigUInt64BE(4));
  const trun = findBox(moof.body, 'traf/trun')!.body;
  // version/flags, count, data offset, then duration, size and flags of the one sample.
  const flags = trun.readUInt32BE(20);
  return { sequence, decodeTime, sync: (flags & 0x00010000) === 0 };
}

/** The binary messages' kinds in order: `init` (ftyp first) or `fragment` (moof first). */
export function kinds(messages: MseMessage[]): string[] {
  return messages.map((m) =>
    m.json !== undefined ? `json:${m.json.type}` : m.data!.toString('latin1', 4, 8) === 'ftyp' ? 'init' : 'fragment',
  );
}
