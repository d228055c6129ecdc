// Reads JPEG marker segments independently of the code under test: what a test needs to check
// the frame header's sampling factors and to strip Huffman tables.

export interface Segment {
  marker: number;
  /** Offset of the 0xFF of the marker. */
  start: number;
  /** One past the segment's last byte (for SOS: its header only). */
  end: number;
}

/** Segments from SOI up to and including the first SOS. */
export function headerSegments(jpeg: Uint8Array): Segment[] {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG: no SOI');
  const segments: Segment[] = [{ marker: 0xd8, start: 0, end: 2 }];
  let pos = 2;
  while (pos + 4 <= jpeg.length) {
    if (jpeg[pos] !== 0xff) throw new Error(`expected a marker at ${pos}`);
    const marker = jpeg[pos + 1] ?? 0;
    const length = ((jpeg[pos + 2] ?? 0) << 8) | (jpeg[pos + 3] ?? 0);
    segments.push({ marker, start: pos, end: pos + 2 + length });
    if (marker === 0xda) return segments;
    pos += 2 + length;
  }
  throw new Error('no SOS');
}

export interface FrameHeader {
  width: number;
  height: number;
  /** Per component: [horizontal, vertical] sampling factors. */
  sampling: Array<[number, number]>;
}

export function frameHeader(jpeg: Uint8Array): FrameHeader {
  const sof = headerSegments(jpeg).find((s) => s.marker >= 0xc0 && s.marker <= 0xc3);
  if (!sof) throw new Error('no SOF');
  const at = (i: number): number => jpeg[sof.start + i] ?? 0;
  const components = at(9);
  const sampling: Array<[number, number]> = [];
  for (let c = 0; c < components; c++) {
    const factors = at(11 + 3 * c);
    sampling.push([factors >> 4, factors & 0x0f]);
  }
  return { height: (at(5) << 8) | at(6), width: (at(7) << 8) | at(8), sampling };
}

/** Subsampling name from the SOF sampling factors (luma relative to chroma). */
export function subsamplingOf(jpeg: Uint8Array): string {
  const { sampling } = frameHeader(jpeg);
  if (sampling.length === 1) return 'gray';
  const [[h, v] = [0, 0]] = sampling;
  return `${h}x${v}`;
}

/** The JPEG without its DHT segments, as many UVC cameras send MJPEG. */
export function withoutDht(jpeg: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const segment of headerSegments(jpeg)) {
    if (segment.marker !== 0xc4) continue;
    parts.push(jpeg.subarray(from, segment.start));
    from = segment.end;
  }
  parts.push(jpeg.subarray(from));
  return Buffer.concat(parts);
}

export function countMarkers(jpeg: Uint8Array, marker: number): number {
  return headerSegments(jpeg).filter((s) => s.marker === marker).length;
}
