// Annex B byte streams (what encoders emit: NAL units after 00 00 01 start codes) taken apart,
// for the MP4 muxer (which wants parameter sets in its init segment and length-prefixed samples).

/** The NAL unit types the muxer cares about (H.264 table 7-1). */
export const NAL = { SLICE: 1, IDR: 5, SEI: 6, SPS: 7, PPS: 8, AUD: 9 } as const;

export function nalType(nal: Uint8Array): number {
  return (nal[0] ?? 0) & 0x1f;
}

/** The NAL units of an Annex B buffer, without their start codes (views, not copies). Bytes
 *  before the first start code are not a NAL unit and are skipped; the zero bytes ahead of a
 *  4-byte start code (and trailing_zero_8bits) are not part of the unit before them. */
export function splitNalUnits(data: Buffer): Buffer[] {
  const units: Buffer[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < data.length) {
    // The third byte is tested first: most bytes are not 1, so most positions cost one compare.
    if (data[i + 2]! > 1) {
      i += 3;
      continue;
    }
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) units.push(trimZeros(data, start, i));
      start = i + 3;
      i += 3;
      continue;
    }
    i += 1;
  }
  if (start >= 0) units.push(trimZeros(data, start, data.length));
  return units.filter((unit) => unit.length > 0);
}

function trimZeros(data: Buffer, start: number, end: number): Buffer {
  let stop = end;
  while (stop > start && data[stop - 1] === 0) stop -= 1;
  return data.subarray(start, stop);
}

/** What an access unit holds: its parameter sets (the last of each), whether it has an IDR
 *  slice, and the NAL units a sample carries (parameter sets and delimiters left out: the init
 *  segment has the former, MP4 needs no latter). */
export interface AccessUnit {
  sps: Buffer | undefined;
  pps: Buffer | undefined;
  idr: boolean;
  sampleNals: Buffer[];
}

export function readAccessUnit(data: Buffer): AccessUnit {
  const unit: AccessUnit = { sps: undefined, pps: undefined, idr: false, sampleNals: [] };
  for (const nal of splitNalUnits(data)) {
    const type = nalType(nal);
    if (type === NAL.SPS) unit.sps = nal;
    else if (type === NAL.PPS) unit.pps = nal;
    else if (type !== NAL.AUD) {
      if (type === NAL.IDR) unit.idr = true;
      unit.sampleNals.push(nal);
    }
  }
  return unit;
}

/** NAL units with a 4-byte big-endian length each (AVCC, the MP4 sample format). */
export function lengthPrefixed(nals: Buffer[]): Buffer {
  const out = Buffer.allocUnsafe(nals.reduce((sum, nal) => sum + 4 + nal.length, 0));
  let offset = 0;
  for (const nal of nals) {
    out.writeUInt32BE(nal.length, offset);
    nal.copy(out, offset + 4);
    offset += 4 + nal.length;
  }
  return out;
}
