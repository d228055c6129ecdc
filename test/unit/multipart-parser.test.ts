import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { jpegSize } from '../../src/sources/jpeg-info.js';
import { boundaryOf, MultipartParser } from '../../src/sources/multipart-parser.js';

const J1 = Buffer.from([0xff, 0xd8, 1, 2, 3, 0x0d, 0x0a, 0x2d, 0x2d, 0xff, 0xd9]);
const J2 = Buffer.from([0xff, 0xd8, 9, 9, 0xff, 0xd9]);

function feedBytewise(parser: MultipartParser, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += 1) out.push(...parser.push(data.subarray(i, i + 1)).map((p) => p.body));
  return out;
}

describe('boundaryOf', () => {
  it('reads plain and quoted boundaries and refuses other types', () => {
    expect(boundaryOf('multipart/x-mixed-replace; boundary=frame')).toBe('frame');
    expect(boundaryOf('multipart/x-mixed-replace;boundary="a b"')).toBe('a b');
    expect(boundaryOf('Multipart/X-Mixed-Replace; charset=x; boundary=--myboundary')).toBe('--myboundary');
    expect(() => boundaryOf('image/jpeg')).toThrow(/not multipart/);
    expect(() => boundaryOf('multipart/x-mixed-replace')).toThrow(/boundary/);
  });
});

describe('MultipartParser', () => {
  it('splits CRLF parts with Content-Length, whatever the chunking', () => {
    const body = Buffer.concat([
      Buffer.from('--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 11\r\n\r\n'),
      J1,
      Buffer.from('\r\n--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 6\r\nX-Sequence: 7\r\n\r\n'),
      J2,
      Buffer.from('\r\n--frame\r\n'),
    ]);
    expect(new MultipartParser('frame').push(body).map((p) => p.body)).toEqual([J1, J2]);
    expect(feedBytewise(new MultipartParser('frame'), body)).toEqual([J1, J2]);
    const parts = new MultipartParser('frame').push(body);
    expect(parts[1]?.headers.get('x-sequence')).toBe('7');
  });

  it('accepts bare LF, no Content-Length, a preamble and a boundary declared with its dashes', () => {
    const body = Buffer.concat([
      Buffer.from('preamble junk\n--boundarydonotcross\nContent-Type: image/jpeg\n\n'),
      J2,
      Buffer.from('\n--boundarydonotcross\nContent-Type: image/jpeg\n\n'),
      J2,
      Buffer.from('\r\n--boundarydonotcross\n'),
    ]);
    expect(feedBytewise(new MultipartParser('boundarydonotcross'), body)).toEqual([J2, J2]);
    const dashed = Buffer.concat([Buffer.from('--x\r\n\r\n'), J2, Buffer.from('\r\n--x\r\n')]);
    expect(new MultipartParser('--x').push(dashed).map((p) => p.body)).toEqual([J2]);
  });

  it('keeps a body that contains CRLF-- bytes intact when Content-Length says so', () => {
    const body = Buffer.concat([Buffer.from('--f\r\nContent-Length: 11\r\n\r\n'), J1, Buffer.from('\r\n--f\r\n')]);
    expect(feedBytewise(new MultipartParser('f'), body)).toEqual([J1]);
  });

  it('returns copies that survive later input', () => {
    const parser = new MultipartParser('f');
    const chunk = Buffer.concat([Buffer.from('--f\r\nContent-Length: 6\r\n\r\n'), J2, Buffer.from('\r\n--f\r\n')]);
    const [part] = parser.push(chunk);
    chunk.fill(0);
    expect(part?.body).toEqual(J2);
  });

  it('rejects broken framing: bad header lines, bad lengths, the closing delimiter', () => {
    expect(() => new MultipartParser('f').push(Buffer.from('--f\r\nnot a header\r\n\r\n'))).toThrow(/bad multipart header/);
    expect(() => new MultipartParser('f').push(Buffer.from('--f\r\nContent-Length: -4\r\n\r\n'))).toThrow(/Content-Length/);
    expect(() => new MultipartParser('f').push(Buffer.from('--f--\r\n'))).toThrow(/ended/);
    expect(() => new MultipartParser('f', 100).push(Buffer.concat([Buffer.from('--f\r\n\r\n'), Buffer.alloc(200 * 1024)]))).toThrow(
      /larger/,
    );
  });
});

describe('jpegSize', () => {
  it('reads the size from the SOF of a real JPEG and refuses non-JPEG data', () => {
    const data = Buffer.alloc(37 * 21 * 4, 128);
    const encoded = jpeg.encode({ data, width: 37, height: 21 }, 75).data;
    expect(jpegSize(encoded)).toEqual({ width: 37, height: 21 });
    expect(jpegSize(Buffer.from('not a jpeg at all'))).toBeUndefined();
    expect(jpegSize(encoded.subarray(0, 10))).toBeUndefined();
  });
});
