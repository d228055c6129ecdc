// Reading browser offers for the answer: the H.264 payload type with packetization-mode=1 (the
// browser's own number, Constrained Baseline first), the video mid, and clear ERR_BAD_OFFER
// refusals; and spotting a PLI or FIR in the RTCP a browser sends back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asksForKeyframe } from '../../src/webrtc/peer.js';
import { answerPayloadType, parseH264Offer } from '../../src/webrtc/sdp.js';

// Chromium 156's offer for one recvonly video transceiver (H.264 at 102-117 and 39-44).
const CHROMIUM = readFileSync(new URL('../fixtures/chromium-recvonly-offer.sdp', import.meta.url), 'utf8');

function offer(video: string[]): string {
  return ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', ...video, ''].join('\r\n');
}

describe('parseH264Offer', () => {
  it("takes Chromium's Constrained Baseline packetization-mode=1 format, as numbered in the offer", () => {
    expect(parseH264Offer(CHROMIUM)).toEqual({
      mid: '0',
      payloadType: 108,
      fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    });
  });

  it('keeps whatever number the browser gave H.264, Baseline before other profiles', () => {
    const sdp = offer([
      'm=video 9 UDP/TLS/RTP/SAVPF 120 121 122',
      'a=mid:v1',
      'a=recvonly',
      'a=rtpmap:120 H264/90000',
      'a=fmtp:120 profile-level-id=640c1f;packetization-mode=1',
      'a=rtpmap:121 H264/90000',
      'a=fmtp:121 profile-level-id=42001f;packetization-mode=0',
      'a=rtpmap:122 h264/90000',
      'a=fmtp:122 profile-level-id=42001f;packetization-mode=1',
    ]);
    expect(parseH264Offer(sdp)).toMatchObject({ mid: 'v1', payloadType: 122 });
  });

  it('refuses what is not an offer we can answer, with ERR_BAD_OFFER and the reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['hello', /not an SDP offer/],
      [offer(['m=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'a=rtpmap:111 opus/48000/2']), /no video section/],
      [offer(['m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=recvonly', 'a=rtpmap:96 H264/90000']), /no a=mid/],
      [
        offer(['m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:0', 'a=sendonly', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1']),
        /does not receive/,
      ],
      [offer(['m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:0', 'a=rtpmap:96 VP8/90000']), /no H.264/],
      // H.264 only in packetization-mode 0, or listed in an rtpmap but not on the m= line.
      [offer(['m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:0', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=0']), /no H.264/],
      [offer(['m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:0', 'a=rtpmap:97 H264/90000', 'a=fmtp:97 packetization-mode=1']), /no H.264/],
    ];
    for (const [sdp, message] of cases) {
      expect(() => parseH264Offer(sdp)).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_OFFER', message: expect.stringMatching(message) }),
      );
    }
  });

  it("reads an answer's H.264 payload type", () => {
    expect(answerPayloadType(CHROMIUM)).toBe(102);
    expect(answerPayloadType('v=0\r\n')).toBeUndefined();
  });
});

describe('asksForKeyframe', () => {
  const rtcp = (pt: number, fmt: number, words: number): Buffer => {
    const packet = Buffer.alloc((words + 1) * 4);
    packet[0] = 0x80 | fmt;
    packet[1] = pt;
    packet.writeUInt16BE(words, 2);
    return packet;
  };
  it('finds a PLI or FIR anywhere in a compound packet, and nothing in reports or NACKs', () => {
    const receiverReport = rtcp(201, 1, 7);
    expect(asksForKeyframe(Buffer.concat([receiverReport, rtcp(206, 1, 2)]))).toBe(true);
    expect(asksForKeyframe(Buffer.concat([receiverReport, rtcp(206, 4, 4)]))).toBe(true);
    expect(asksForKeyframe(Buffer.concat([receiverReport, rtcp(205, 1, 3)]))).toBe(false);
    expect(asksForKeyframe(rtcp(206, 15, 5))).toBe(false); // REMB
    expect(asksForKeyframe(Buffer.from([0x12, 0x34]))).toBe(false);
    expect(asksForKeyframe(Buffer.from([0x00, 206, 0, 2, 0, 0, 0, 0]))).toBe(false); // not version 2
  });
});
