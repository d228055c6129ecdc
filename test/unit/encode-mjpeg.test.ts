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

  // Cameras that never send EOI (C920 on some hosts, ELP): the scan is complete, so the frame is
  // repaired right after its last coded byte, whatever padding follows.
  const eoiLess: Array<[string, (jpeg: Buffer) => Buffer]> = [
    ['without EOI', (j) => j.subarray(0, j.length - 2)],
    ['without EOI but zero-padded', (j) => Buffer.concat([j.subarray(0, j.length - 2), Buffer.alloc(512)])],
    ['without EOI, with a dangling 0xFF', (j) => Buffer.concat([j.subarray(0, j.length - 2), Buffer.from([0xff])])],
    ['without EOI and without DHT', (j) => withoutDht(j).subarray(0, withoutDht(j).length - 2)],
  ];
  for (const subsampling of ['422', '420'] as const) {
    for (const [name, damage] of eoiLess) {
      it(`a ${subsampling} frame ${name} gets its EOI back and decodes identically`, async () => {
        const original = cameraJpeg(subsampling);
        const repaired = await encode(damage(original), mjpegOptions);
        expect(repaired.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
        if (countMarkers(damage(original), 0xc4) > 0) expect(repaired).toEqual(original);
        expect(decodePixels(repaired)).toEqual(decodePixels(original));
      });
    }
  }

  it('a frame with restart markers and no EOI is walked across its restart intervals', async () => {
    const original = cameraJpeg();
    // A DRI segment of 1 MCU: every MCU boundary must carry RSTn, which this frame lacks, so
    // the walk finds no RST where one is due and calls the scan cut short.
    const dri = Buffer.from([0xff, 0xdd, 0x00, 0x04, 0x00, 0x01]);
    const withDri = Buffer.concat([original.subarray(0, 2), dri, original.subarray(2, original.length - 2)]);
    await expect(encode(withDri, mjpegOptions)).rejects.toMatchObject({ code: 'ERR_CORRUPT_FRAME' });
  });

  const corruptions: Array<[string, (jpeg: Buffer) => Buffer]> = [
    ['truncated in the scan', (j) => j.subarray(0, Math.floor(j.length / 2))],
    ['truncated in the header', (j) => j.subarray(0, 40)],
    ['without SOI', (j) => j.subarray(2)],
    ['cut at 90 % inside the scan', (j) => j.subarray(0, Math.floor(j.length * 0.9))],
    ['cut at 90 % and zero-padded', (j) => Buffer.concat([j.subarray(0, Math.floor(j.length * 0.9)), Buffer.alloc(512)])],
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
