// Reading ISO BMFF (MP4) boxes back, to compare what the muxer wrote with what ffmpeg writes.
import { execFileSync } from 'node:child_process';

export interface Box {
  type: string;
  /** The box's payload, after its 8-byte header. */
  body: Buffer;
  offset: number;
}

/** The boxes one after another in `data` (a file or a box's payload). */
export function boxes(data: Buffer, from = 0): Box[] {
  const found: Box[] = [];
  let at = from;
  while (at + 8 <= data.length) {
    const size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    if (size < 8 || at + size > data.length) throw new Error(`box ${type} at ${at}: size ${size} past the end (${data.length})`);
    found.push({ type, body: data.subarray(at + 8, at + size), offset: at });
    at += size;
  }
  return found;
}

/** Containers whose payload starts with other fields before the child boxes, and how many bytes of them. */
const PREFIX: Record<string, number> = { stsd: 8, avc1: 78 };

/** The first box at `path` (`moov/trak/mdia/minf/stbl/stsd/avc1/avcC`), or undefined. */
export function findBox(data: Buffer, path: string): Box | undefined {
  const [first, ...rest] = path.split('/');
  const box = boxes(data).find((b) => b.type === first);
  if (box === undefined || rest.length === 0) return box;
  return findBox(box.body.subarray(PREFIX[box.type] ?? 0), rest.join('/'));
}

/** An Annex B stream muxed to MP4 by ffmpeg (-c copy), as the reference for our boxes. */
export function ffmpegMp4(annexB: Buffer): Buffer {
  return execFileSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'h264',
      '-i',
      'pipe:0',
      '-c',
      'copy',
      '-f',
      'mp4',
      '-movflags',
      'frag_keyframe+empty_moov',
      'pipe:1',
    ],
    { input: annexB, maxBuffer: 64 << 20 },
  );
}
