// The session description DESCRIBE answers with: one H.264 track, its SPS and PPS announced
// (sprop-parameter-sets) so a client can set its decoder up before the first keyframe arrives.
import { H264_CLOCK_RATE, H264_PAYLOAD_TYPE } from './rtp-h264.js';

const NAL_SPS = 7;
const NAL_PPS = 8;

export interface ParameterSets {
  sps: Buffer;
  pps: Buffer;
}

/** The NAL units of an Annex B access unit, start codes removed. */
export function splitAnnexB(data: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < data.length) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) nals.push(trimTrailingZeros(data.subarray(start, i)));
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start >= 0 && start < data.length) nals.push(data.subarray(start));
  return nals.filter((nal) => nal.length > 0);
}

// A four-byte start code leaves its leading zero at the end of the NAL before it.
function trimTrailingZeros(nal: Buffer): Buffer {
  let end = nal.length;
  while (end > 0 && nal[end - 1] === 0) end--;
  return nal.subarray(0, end);
}

/** The SPS and PPS among a keyframe's NAL units, if both are there. */
export function parameterSetsOf(nals: Buffer[]): ParameterSets | undefined {
  const sps = nals.find((nal) => (nal[0]! & 0x1f) === NAL_SPS);
  const pps = nals.find((nal) => (nal[0]! & 0x1f) === NAL_PPS);
  return sps !== undefined && pps !== undefined && sps.length >= 4 ? { sps: Buffer.from(sps), pps: Buffer.from(pps) } : undefined;
}

export function describeH264(sets: ParameterSets, sessionId: string): string {
  // profile_idc, constraint flags, level_idc: the three bytes after the SPS's NAL header.
  const profileLevelId = sets.sps.subarray(1, 4).toString('hex');
  const sprop = `${sets.sps.toString('base64')},${sets.pps.toString('base64')}`;
  const version = Number.parseInt(sessionId.slice(0, 8), 16);
  return [
    'v=0',
    `o=- ${version} 1 IN IP4 0.0.0.0`,
    's=turbocam',
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'a=control:*',
    `m=video 0 RTP/AVP ${H264_PAYLOAD_TYPE}`,
    `a=rtpmap:${H264_PAYLOAD_TYPE} H264/${H264_CLOCK_RATE}`,
    `a=fmtp:${H264_PAYLOAD_TYPE} packetization-mode=1;profile-level-id=${profileLevelId};sprop-parameter-sets=${sprop}`,
    'a=control:trackID=0',
    '',
  ].join('\r\n');
}
