// Bad input gets a JS Error with a stable code and a message naming the numbers, both through the
// public API and straight at the addon (which the capture pipeline reaches without src/encode.ts).
import { describe, expect, it } from 'vitest';
import { encode, encodeSync, testPattern } from '../../src/index.js';
import type { EncodeOptions } from '../../src/index.js';
import { native } from '../../src/native.js';

const frame = testPattern({ width: 64, height: 48, format: 'yuyv' });
const good: EncodeOptions = { width: 64, height: 48, format: 'yuyv' };

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('encode input errors', () => {
  it('a frame too small for width x height x format is ERR_FRAME_SIZE, naming the numbers', async () => {
    const error = await encode(frame.subarray(0, 6000), good).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_FRAME_SIZE' });
    expect((error as Error).message).toContain('64x48 yuyv');
    expect((error as Error).message).toContain('6000');
    expect((error as Error).message).toContain('6144');
  });

  it('a stride makes the frame need more bytes', async () => {
    expect(await codeOf(encode(frame, { ...good, stride: 256 }))).toBe('ERR_FRAME_SIZE');
  });

  it('an unknown format is ERR_UNSUPPORTED_FORMAT', async () => {
    expect(await codeOf(encode(frame, { ...good, format: 'h264' as never }))).toBe('ERR_UNSUPPORTED_FORMAT');
    expect(() => native.encodeSync(frame, 64, 48, 'h264', 80, undefined, undefined, 0, undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT' }),
    );
  });

  const invalid: Array<[string, Uint8Array, EncodeOptions]> = [
    ['odd width of yuyv', testPattern({ width: 64, height: 48, format: 'rgb24' }), { ...good, width: 63 }],
    ['odd width of nv12', frame, { width: 63, height: 48, format: 'nv12' }],
    ['quality 0', frame, { ...good, quality: 0 }],
    ['quality 101', frame, { ...good, quality: 101 }],
    ['fractional quality', frame, { ...good, quality: 50.5 }],
    ['a stride below one line', frame, { ...good, stride: 100 }],
    ['4:4:4 from 4:2:2 input', frame, { ...good, subsampling: '444' }],
    ['4:2:2 from 4:2:0 input', frame, { width: 64, height: 48, format: 'i420', subsampling: '422' }],
    ['an unknown subsampling', frame, { ...good, subsampling: '411' as never }],
    ['width 0', frame, { ...good, width: 0 }],
    ['a non-numeric height', frame, { ...good, height: '48' as never }],
  ];
  for (const [name, input, options] of invalid) {
    it(`${name} is ERR_INVALID_ARG`, async () => {
      expect(await codeOf(encode(input, options))).toBe('ERR_INVALID_ARG');
      expect(() => encodeSync(input, options)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    });
  }

  it('a frame that is not bytes is ERR_INVALID_ARG', async () => {
    expect(await codeOf(encode('frame' as never, good))).toBe('ERR_INVALID_ARG');
  });

  // The addon validates on its own: the capture pipeline does not pass through src/encode.ts.
  const nativeInvalid: Array<[string, number, number, string, number, string | undefined, number | undefined]> = [
    ['odd width', 63, 48, 'yuyv', 80, undefined, undefined],
    ['quality 0', 64, 48, 'yuyv', 0, undefined, undefined],
    ['quality 101', 64, 48, 'yuyv', 101, undefined, undefined],
    ['a short stride', 64, 48, 'yuyv', 80, undefined, 64],
  ];
  for (const [name, w, h, format, quality, subsampling, stride] of nativeInvalid) {
    it(`the addon rejects ${name} with ERR_INVALID_ARG and a message naming the number`, () => {
      let caught: unknown;
      try {
        native.encodeSync(frame, w, h, format, quality, subsampling, stride, 0, undefined);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'ERR_INVALID_ARG' });
      const number = name.includes('width') ? '63' : name.includes('stride') ? '64' : String(quality);
      expect((caught as Error).message).toContain(number);
    });
  }

  it('encode reports errors by rejecting, never by throwing synchronously', () => {
    let promise: Promise<Buffer> | undefined;
    expect(() => {
      promise = encode(frame, { ...good, quality: 0 });
    }).not.toThrow();
    return expect(promise).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });
});
