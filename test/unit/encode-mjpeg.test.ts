// mjpeg input is normalised, not re-encoded: Huffman tables inserted when missing, broken frames
// rejected with ERR_CORRUPT_FRAME and counted.
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { encode, encodeSync, encoderStats, testPattern } from '../../src/index.js';
import { countMarkers, headerSegments, withoutDht } from '../helpers/jpeg-markers.js';

const [width, height] = [160, 120];
const mjpegOptions = { width, height, format: 'mjpeg' } as const;

function cameraJpeg(subsampling?: '420' | '422'): Buffer {
  const frame = testPattern({ width, height, format: 'yuyv', frame: 9 });
  return encodeSync(frame, { width, height, format: 'yuyv', quality: 80, subsampling });
}

function decodePixels(data: Uint8Array): Uint8Array {
  return jpeg.decode(data, { useTArray: true, formatAsRGBA: false }).data;
}

function decodeOrError(data: Uint8Array): Uint8Array | Error {
  try {
    return decodePixels(data);
  } catch (error) {
    return error as Error;
  }
}

describe('MJPEG normalisation', () => {
  for (const subsampling of ['422', '420'] as const) {
    it(`a ${subsampling} frame stripped of its DHT decodes identically once normalised`, async () => {
      const original = cameraJpeg(subsampling);
      const stripped = withoutDht(original);
      expect(countMarkers(original, 0xc4)).toBeGreaterThan(0);
      expect(countMarkers(stripped, 0xc4)).toBe(0);
      const reference = decodePixels(original);
      // Without tables the frame is undecodable or wrong: the test below proves the insertion.
      expect(decodeOrError(stripped)).not.toEqual(reference);

      const normalised = await encode(stripped, mjpegOptions);
      const segments = headerSegments(normalised);
      const dht = segments.findIndex((s) => s.marker === 0xc4);
      expect(dht).toBeGreaterThan(0);
      expect(dht).toBeLessThan(segments.findIndex((s) => s.marker === 0xda));
      expect(decodePixels(normalised)).toEqual(reference);
    });
  }

  it('a frame that has its tables passes through byte for byte', async () => {
    const original = cameraJpeg();
    expect(await encode(original, mjpegOptions)).toEqual(original);
  });

  it('trailing zero padding after EOI is accepted and trimmed', async () => {
    const original = cameraJpeg();
    const padded = Buffer.concat([original, Buffer.alloc(4096)]);
    expect(await encode(padded, mjpegOptions)).toEqual(original);
  });

  const corruptions: Array<[string, (jpeg: Buffer) => Buffer]> = [
    ['truncated in the scan', (j) => j.subarray(0, Math.floor(j.length / 2))],
    ['truncated in the header', (j) => j.subarray(0, 40)],
    ['without SOI', (j) => j.subarray(2)],
    ['without EOI', (j) => j.subarray(0, j.length - 2)],
    ['without EOI but zero-padded', (j) => Buffer.concat([j.subarray(0, j.length - 2), Buffer.alloc(512)])],
    ['empty', () => Buffer.alloc(0)],
  ];
  for (const [name, corrupt] of corruptions) {
    it(`a frame ${name} is rejected with ERR_CORRUPT_FRAME and counted`, async () => {
      const before = encoderStats().corruptFrames;
      await expect(encode(corrupt(cameraJpeg()), mjpegOptions)).rejects.toMatchObject({ code: 'ERR_CORRUPT_FRAME' });
      expect(() => encodeSync(corrupt(cameraJpeg()), mjpegOptions)).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT_FRAME' }));
      expect(encoderStats().corruptFrames).toBe(before + 2);
    });
  }
});
