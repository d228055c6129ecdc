// The bench's h264 part: its arithmetic on hand-worked figures, and one real short run at a small
// size (OpenH264 on the camera's thread, ffmpeg's PSNR, the JPEG ladder).
import { describe, expect, it } from 'vitest';
import { benchH264, equalPsnrRung, h264Section, parsePsnr } from '../../bench/lib/h264-bench.mjs';
import { table } from '../../bench/lib/report.mjs';
import { ensureBuilt } from '../helpers/cli.js';

describe('bench h264 part', () => {
  it("reads ffmpeg's luma PSNR and picks the lowest JPEG quality that reaches a PSNR", () => {
    expect(parsePsnr('[Parsed_psnr_0 @ 0x1] PSNR y:41.23 u:45.1 v:46.0 average:42.5 min:40 max:44\n')).toBe(41.23);
    expect(parsePsnr('PSNR y:inf u:inf')).toBe(Infinity);
    expect(() => parsePsnr('nothing')).toThrow(/no PSNR/);
    const ladder = [
      { quality: 50, psnr: 36, bytesPerFrame: 10 },
      { quality: 80, psnr: 39, bytesPerFrame: 20 },
      { quality: 90, psnr: 41, bytesPerFrame: 30 },
    ];
    expect(equalPsnrRung(ladder, 38.5)?.quality).toBe(80);
    expect(equalPsnrRung(ladder, 42)).toBeNull();
  });

  it('measures OpenH264 against encodeSync for real: CPU per frame, bytes at equal PSNR', async () => {
    ensureBuilt();
    const result = await benchH264({ quick: true, log: () => {}, width: 320, height: 240, bitrateKbps: 300 });
    expect(result.encoder).toMatch(/^openh264 /);
    expect(result.coded).toBeGreaterThan(30);
    expect(result.h264CpuMsPerFrame).toBeGreaterThan(0);
    expect(result.jpegCpuMsPerFrame).toBeGreaterThan(0);
    expect(result.compared).toBeGreaterThanOrEqual(10);
    expect(result.h264Psnr).toBeGreaterThan(30);
    // The ladder climbs until a rung reaches H.264's PSNR, and that rung is the comparison.
    const last = result.ladder.at(-1)!;
    expect(result.jpegAtEqualPsnr).toEqual(last);
    expect(last.psnr).toBeGreaterThanOrEqual(result.h264Psnr);
    expect(result.ladder.slice(0, -1).every((rung) => rung.psnr < result.h264Psnr)).toBe(true);
    expect(result.bytesRatio).toBeCloseTo(last.bytesPerFrame / result.h264BytesPerFrame!);
    expect(h264Section(result, table).join('\n')).toMatch(/openh264 .* 300 kbit\/s/);
  });
});
