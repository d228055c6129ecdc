// Reading a browser's SDP offer for what the answer must echo: the video section's mid and the
// payload type (with its fmtp) the browser gave H.264 packetization-mode 1. Browsers number
// codecs as they like, so the answer reuses the offer's number rather than one of our own.
import { TurbocamError } from '../errors.js';

export interface H264Offer {
  /** The video section's a=mid. */
  mid: string;
  payloadType: number;
  /** The offer's fmtp for that payload type, as given (profile-level-id, packetization-mode=1, ...). */
  fmtp: string;
}

interface Format {
  payloadType: number;
  codec: string;
  fmtp: Map<string, string>;
  fmtpText: string;
}

function badOffer(message: string): TurbocamError {
  return new TurbocamError('ERR_BAD_OFFER', message);
}

/** The sections of an SDP: the session part first, then one per m= line. */
function sections(sdp: string): string[][] {
  const out: string[][] = [[]];
  for (const line of sdp.split(/\r?\n/)) {
    if (line === '') continue;
    if (line.startsWith('m=')) out.push([]);
    out[out.length - 1]!.push(line);
  }
  return out;
}

function formatsOf(lines: string[]): Format[] {
  const formats = new Map<number, Format>();
  const pt = (text: string): Format => {
    const n = Number(text);
    let format = formats.get(n);
    if (format === undefined) {
      format = { payloadType: n, codec: '', fmtp: new Map(), fmtpText: '' };
      formats.set(n, format);
    }
    return format;
  };
  for (const line of lines) {
    const rtpmap = /^a=rtpmap:(\d{1,3}) ([^/\s]+)\/(\d+)/.exec(line);
    if (rtpmap !== null) pt(rtpmap[1]!).codec = rtpmap[2]!.toUpperCase();
    const fmtp = /^a=fmtp:(\d{1,3}) (.*)$/.exec(line);
    if (fmtp !== null) {
      const format = pt(fmtp[1]!);
      format.fmtpText = fmtp[2]!.trim();
      for (const pair of format.fmtpText.split(';')) {
        const eq = pair.indexOf('=');
        if (eq > 0)
          format.fmtp.set(
            pair.slice(0, eq).trim().toLowerCase(),
            pair
              .slice(eq + 1)
              .trim()
              .toLowerCase(),
          );
      }
    }
  }
  return [...formats.values()];
}

// Our stream is Constrained Baseline: 42e0xx says exactly that, 42xxxx (Baseline) decodes it
// too; other profiles are a last resort a decoder of a higher profile also plays.
function rank(format: Format): number {
  const profile = format.fmtp.get('profile-level-id') ?? '42001f';
  if (/^42e0/.test(profile)) return 0;
  if (/^42/.test(profile)) return 1;
  return 2;
}

/** The offer's video section and its best H.264 packetization-mode=1 format. Throws ERR_BAD_OFFER
 *  (a 400) for text that is no SDP offer, an offer without video, one that will not receive, or
 *  one without such an H.264 format. */
export function parseH264Offer(sdp: string): H264Offer {
  if (!/^v=0\r?\n/.test(sdp)) throw badOffer('the body is not an SDP offer (it must start with v=0)');
  const media = sections(sdp).slice(1);
  const video = media.find((lines) => lines[0]!.startsWith('m=video '));
  if (video === undefined) throw badOffer('the offer has no video section (m=video)');
  const mid = video
    .find((line) => line.startsWith('a=mid:'))
    ?.slice('a=mid:'.length)
    .trim();
  if (mid === undefined || mid === '') throw badOffer('the video section has no a=mid');
  if (video.some((line) => line === 'a=sendonly' || line === 'a=inactive'))
    throw badOffer('the video section does not receive (a=recvonly or a=sendrecv wanted)');
  const listed = new Set(video[0]!.split(' ').slice(3).map(Number));
  const h264 = formatsOf(video)
    .filter((f) => listed.has(f.payloadType) && f.codec === 'H264' && f.fmtp.get('packetization-mode') === '1')
    .sort((a, b) => rank(a) - rank(b));
  const best = h264[0];
  if (best === undefined) throw badOffer('the offer has no H.264 format with packetization-mode=1');
  return { mid, payloadType: best.payloadType, fmtp: best.fmtpText };
}

/** The payload type of H.264 in an answer's video section (for tests and the camera-streamer flow). */
export function answerPayloadType(sdp: string): number | undefined {
  const video = sections(sdp)
    .slice(1)
    .find((lines) => lines[0]!.startsWith('m=video '));
  return video === undefined ? undefined : formatsOf(video).find((f) => f.codec === 'H264')?.payloadType;
}
