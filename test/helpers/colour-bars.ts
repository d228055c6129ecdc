// Checks that a decoded JPEG shows 75 % colour bars (white, yellow, cyan, green, magenta, red,
// blue, black from left to right), the pattern of vivid and of turbocam's testsrc. Medians over
// many rows ignore moving overlays; high/low comparisons accept limited- and full-range video.
import jpeg from 'jpeg-js';

export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array; // RGBA
}

export function decodeJpeg(data: Uint8Array): DecodedImage {
  const image = jpeg.decode(data, { useTArray: true, formatAsRGBA: true });
  return { width: image.width, height: image.height, data: image.data };
}

const BARS: Array<[number, number, number]> = [
  [1, 1, 1],
  [1, 1, 0],
  [0, 1, 1],
  [0, 1, 0],
  [1, 0, 1],
  [1, 0, 0],
  [0, 0, 1],
  [0, 0, 0],
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The median RGB of each of the 8 bars, sampled at the bar's centre column in rows [top, bottom). */
export function sampleBars(image: DecodedImage, top: number, bottom: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let bar = 0; bar < 8; bar++) {
    const x = Math.floor(((bar + 0.5) * image.width) / 8);
    const r: number[] = [];
    const g: number[] = [];
    const b: number[] = [];
    for (let y = Math.floor(top * image.height); y < Math.floor(bottom * image.height); y++) {
      const i = (y * image.width + x) * 4;
      r.push(image.data[i] ?? 0);
      g.push(image.data[i + 1] ?? 0);
      b.push(image.data[i + 2] ?? 0);
    }
    out.push([median(r), median(g), median(b)]);
  }
  return out;
}

/** Describes every bar that is not the expected colour; empty when the image shows the bars. */
export function colourBarMismatches(image: DecodedImage, top: number, bottom: number, grey = false): string[] {
  const bars = sampleBars(image, top, bottom);
  const problems: string[] = [];
  if (grey) {
    // Luma of 75 % bars falls from white to black.
    const luma = bars.map(([r, g, b]) => 0.299 * r + 0.587 * g + 0.114 * b);
    for (let i = 1; i < 8; i++) {
      if (!((luma[i - 1] ?? 0) > (luma[i] ?? 0) + 4))
        problems.push(`bar ${i} luma ${luma[i]?.toFixed(0)} not below bar ${i - 1} (${luma[i - 1]?.toFixed(0)})`);
    }
    return problems;
  }
  bars.forEach((rgb, i) => {
    const expected = BARS[i] ?? [0, 0, 0];
    for (let c = 0; c < 3; c++) {
      const value = rgb[c] ?? 0;
      if (expected[c] === 1 && value < 140) problems.push(`bar ${i} channel ${c} is ${value}, expected high (${rgb.join(',')})`);
      if (expected[c] === 0 && value > 70) problems.push(`bar ${i} channel ${c} is ${value}, expected low (${rgb.join(',')})`);
    }
  });
  return problems;
}
