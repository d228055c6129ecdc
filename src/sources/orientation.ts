// The SourceInfo of a turned or flipped source: the size clients get, who turns the frames, and
// for turned MJPEG what its edges lost to the MCU grid.
import type { Flip, Rotation } from '../types.js';
import { jpegSize } from './jpeg-info.js';
import type { SourceInfo } from './source.js';

/** `info` after rotation and flip: turned 90 or 270, width and height trade places. A device that
 *  flips by itself does it whole, and trims nothing. */
export function orientedInfo(info: SourceInfo, rotate: Rotation, flip: Flip | undefined, byDevice: boolean): SourceInfo {
  if (rotate === 0 && flip === undefined) return info;
  const swap = rotate === 90 || rotate === 270;
  return {
    ...info,
    width: swap ? info.height : info.width,
    height: swap ? info.width : info.height,
    orientation: { rotate, flip: flip ?? null, by: byDevice ? 'device' : 'turbocam', trimmed: { width: 0, height: 0 } },
  };
}

/** Whether the frames of a source with this info may be smaller than it says: MJPEG turned by
 *  turbocam loses partial MCUs at its edges, and only its first frame tells how many. */
export function mayTrim(info: SourceInfo): boolean {
  return info.orientation?.by === 'turbocam' && info.format === 'mjpeg' && info.width > 0;
}

/** `info` with the size a JPEG frame tells (undefined when it has no SOF); with `trim`, the
 *  orientation also records what the edges lost. */
export function sizedInfo(info: SourceInfo, data: Buffer, trim: boolean): SourceInfo | undefined {
  const size = jpegSize(data);
  if (!size) return undefined;
  const orientation = trim ? info.orientation : undefined;
  const trimmed = { width: info.width - size.width, height: info.height - size.height };
  return orientation ? { ...info, ...size, orientation: { ...orientation, trimmed } } : { ...info, ...size };
}
