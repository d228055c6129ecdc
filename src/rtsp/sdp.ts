// The session description DESCRIBE answers with: one H.264 track, its SPS and PPS announced
// (sprop-parameter-sets) so a client can set its decoder up before the first keyframe arrives.
import { readAccessUnit } from '../h264/annexb.js';
import { H264_CLOCK_RATE, H264_PAYLOAD_TYPE } from './rtp-h264.js';

export interface ParameterSets {
  sps: Buffer;
  pps: Buffer;
}

/** The SPS and PPS a keyframe carries, if both are there. */
export function parameterSetsOf(unit: Buffer): ParameterSets | undefined {
  const { sps, pps } = readAccessUnit(unit);
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
