// H.264 over RTP (RFC 6184, packetization-mode 1): a NAL unit that fits one packet goes whole,
// a larger one is cut into FU-A fragments. The marker bit ends each access unit, which is what a
// receiver waits for before it decodes the picture.
import { NAL, nalType } from '../h264/annexb.js';

/** Payload type announced in the SDP (the first dynamic one). */
export const H264_PAYLOAD_TYPE = 96;
/** RTP clock for video. */
export const H264_CLOCK_RATE = 90_000;

const RTP_HEADER_BYTES = 12;
const FU_A = 28;

export interface RtpPacketizerOptions {
  ssrc: number;
  /** Largest RTP packet (header included); 1200 keeps well under any path MTU. */
  maxPacketBytes?: number;
}

export class RtpH264Packetizer {
  readonly ssrc: number;
  private sequence: number;
  private readonly maxPayload: number;

  constructor(options: RtpPacketizerOptions) {
    this.ssrc = options.ssrc >>> 0;
    this.maxPayload = (options.maxPacketBytes ?? 1200) - RTP_HEADER_BYTES;
    // A random start, as RFC 3550 asks, so a receiver cannot mistake a new stream for an old one.
    this.sequence = Math.floor(Math.random() * 0x10000);
  }

  /** The sequence number the next packet will carry. */
  get nextSequence(): number {
    return this.sequence;
  }

  /** The RTP packets of one access unit, given as its NAL units (no start codes). */
  packetize(nals: Buffer[], timestamp: number): Buffer[] {
    // Access unit delimiters are not sent: the marker bit delimits units on RTP.
    const sent = nals.filter((nal) => nal.length > 0 && nalType(nal) !== NAL.AUD);
    const packets: Buffer[] = [];
    sent.forEach((nal, index) => {
      const lastNal = index === sent.length - 1;
      if (nal.length <= this.maxPayload) {
        packets.push(this.packet(timestamp, lastNal, [nal]));
        return;
      }
      const indicator = (nal[0]! & 0xe0) | FU_A;
      const type = nalType(nal);
      const chunk = this.maxPayload - 2;
      for (let offset = 1; offset < nal.length; offset += chunk) {
        const end = Math.min(offset + chunk, nal.length);
        const start = offset === 1;
        const last = end === nal.length;
        const header = Buffer.from([indicator, (start ? 0x80 : 0) | (last ? 0x40 : 0) | type]);
        packets.push(this.packet(timestamp, lastNal && last, [header, nal.subarray(offset, end)]));
      }
    });
    return packets;
  }

  private packet(timestamp: number, marker: boolean, payload: Buffer[]): Buffer {
    const length = payload.reduce((sum, part) => sum + part.length, RTP_HEADER_BYTES);
    const packet = Buffer.allocUnsafe(length);
    packet[0] = 0x80;
    packet[1] = (marker ? 0x80 : 0) | H264_PAYLOAD_TYPE;
    packet.writeUInt16BE(this.sequence, 2);
    packet.writeUInt32BE(timestamp >>> 0, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    let offset = RTP_HEADER_BYTES;
    for (const part of payload) offset += part.copy(packet, offset);
    this.sequence = (this.sequence + 1) & 0xffff;
    return packet;
  }
}

/** An RTP timestamp (90 kHz, wrapping at 2^32) for a time in ms. */
export function rtpTimestamp(ms: number): number {
  return Math.round(ms * (H264_CLOCK_RATE / 1000)) % 0x1_0000_0000;
}
