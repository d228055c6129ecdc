// One WebRTC viewer: a peer connection with one send-only H.264 track, fed access units by the
// H.264 hub. Non-trickle: the SDP it hands back carries every ICE candidate gathered, so one HTTP
// round trip (WHEP's POST) sets the call up. A browser's PLI or FIR asks the stream for a keyframe.
import { TurbocamError } from '../errors.js';
import type { H264Viewer } from '../h264/viewer.js';
import type { Log } from '../log.js';
import type { H264Unit } from '../sources/h264-source.js';
import type { Datachannel } from './library.js';
import type { H264Offer } from './sdp.js';

type PeerConnection = InstanceType<Datachannel['PeerConnection']>;
type Track = ReturnType<PeerConnection['addTrack']>;
type RtpConfig = InstanceType<Datachannel['RtpPacketizationConfig']>;

export interface PeerOptions {
  /** Names the peer in logs (the WHEP resource id). */
  id: string;
  log: Log;
  /** The browser must connect within this long, a disconnected one come back within it, and a
   *  connected one send RTCP within it (ms). */
  iceTimeoutMs: number;
  /** Candidates gathered by then go into the SDP; host candidates take a few ms (ms). */
  gatherTimeoutMs: number;
  /** The track is open: the peer can be given units from the next keyframe on. */
  onOpen: () => void;
  /** The browser lost a picture (PLI or FIR). */
  onKeyframeRequest: () => void;
  /** Closed, by close() or by ICE; called once. */
  onClose: (reason: string) => void;
}

/** The browser's H.264 format, or ours (camera-streamer's server offer uses 102). */
const OWN_FORMAT: Omit<H264Offer, 'mid'> = {
  payloadType: 102,
  fmtp: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
};

const RTCP_PSFB = 206;
const PSFB_PLI = 1;
const PSFB_FIR = 4;

/** Whether an RTCP compound packet holds a PLI or a FIR. */
export function asksForKeyframe(packet: Buffer): boolean {
  for (let at = 0; at + 4 <= packet.length;) {
    const version = packet[at]! >> 6;
    if (version !== 2) return false;
    const fmt = packet[at]! & 0x1f;
    if (packet[at + 1] === RTCP_PSFB && (fmt === PSFB_PLI || fmt === PSFB_FIR)) return true;
    at += (packet.readUInt16BE(at + 2) + 1) * 4;
  }
  return false;
}

export class WebrtcPeer implements H264Viewer {
  readonly kind = 'webrtc' as const;
  private readonly pc: PeerConnection;
  private readonly track: Track;
  private readonly rtp: RtpConfig;
  private readonly ssrc = (Math.random() * 0xffffffff) >>> 1;
  private readonly baseTimestamp = (Math.random() * 0xffffffff) >>> 0;
  private firstUnitMs: number | undefined;
  private open = false;
  private started = false;
  private closed = false;
  private iceTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private lastRtcpAt = 0;
  private gathered: (() => void) | undefined;
  /** Units handed to the library. */
  private units = 0;

  constructor(
    lib: Datachannel,
    private readonly options: PeerOptions,
    format: H264Offer,
  ) {
    const { id, log } = options;
    this.pc = new lib.PeerConnection(id, { iceServers: [] });
    this.pc.onStateChange((state) => this.onState(state));
    this.pc.onGatheringStateChange((state) => {
      if (state === 'complete') this.gathered?.();
    });
    const video = new lib.Video(format.mid, 'SendOnly');
    video.addH264Codec(format.payloadType, format.fmtp);
    video.addSSRC(this.ssrc, 'turbocam', 'turbocam', 'video');
    this.track = this.pc.addTrack(video);
    this.rtp = new lib.RtpPacketizationConfig(this.ssrc, 'turbocam', format.payloadType, 90_000);
    // Each unit is one frame of Annex B NAL units; the packetizer splits them into RTP (FU-A past
    // the MTU), the reporter sends sender reports for lip-sync and RTT, and the responder resends
    // what a NACK names from its recent packets.
    const packetizer = new lib.H264RtpPacketizer('StartSequence', this.rtp);
    packetizer.addToChain(new lib.RtcpSrReporter(this.rtp));
    packetizer.addToChain(new lib.RtcpNackResponder());
    this.track.setMediaHandler(packetizer);
    this.track.onOpen(() => {
      if (this.closed) return;
      this.open = true;
      log('debug', `webrtc ${id}: track open`);
      // A closed tab sends no DTLS alert, and ICE consent takes 30 s to lapse; a receiving browser
      // sends receiver reports every second or so, so their silence says it is gone sooner.
      this.lastRtcpAt = performance.now();
      this.silenceTimer = setInterval(
        () => {
          if (performance.now() - this.lastRtcpAt > options.iceTimeoutMs) this.close('no RTCP from the browser');
        },
        Math.max(100, options.iceTimeoutMs / 4),
      );
      options.onOpen();
    });
    this.track.onMessage((message) => {
      // What reaches JS past the handlers is RTCP from the browser: receiver reports, PLI, FIR.
      this.lastRtcpAt = performance.now();
      if (this.closed || !asksForKeyframe(message)) return;
      options.onKeyframeRequest();
    });
    this.track.onClosed(() => this.close('track closed'));
    this.iceTimer = setTimeout(() => this.close('ICE did not connect in time'), options.iceTimeoutMs);
  }

  /** Answers a browser's offer (WHEP, camera-streamer's `offer`): the answer with its candidates. */
  static async answer(
    lib: Datachannel,
    options: PeerOptions,
    offerSdp: string,
    format: H264Offer,
  ): Promise<{ peer: WebrtcPeer; sdp: string }> {
    const peer = new WebrtcPeer(lib, options, format);
    try {
      const gathered = peer.untilGathered();
      try {
        peer.pc.setRemoteDescription(offerSdp, 'offer');
      } catch (cause) {
        // Past our checks, libdatachannel's own: ICE credentials, a DTLS fingerprint, BUNDLE.
        throw new TurbocamError('ERR_BAD_OFFER', `the offer was refused: ${cause instanceof Error ? cause.message : String(cause)}`, {
          cause,
        });
      }
      await gathered;
      return { peer, sdp: peer.localSdp() };
    } catch (error) {
      peer.close('refused');
      throw error;
    }
  }

  /** Offers to send (camera-streamer's `request`): the offer with its candidates; accept() takes the answer. */
  static async offer(lib: Datachannel, options: PeerOptions): Promise<{ peer: WebrtcPeer; sdp: string }> {
    const peer = new WebrtcPeer(lib, options, { mid: 'video', ...OWN_FORMAT });
    try {
      const gathered = peer.untilGathered();
      peer.pc.setLocalDescription('offer');
      await gathered;
      return { peer, sdp: peer.localSdp() };
    } catch (error) {
      peer.close('refused');
      throw error;
    }
  }

  /** The browser's answer to offer(). Throws the library's error for SDP it cannot take. */
  accept(answerSdp: string): void {
    this.pc.setRemoteDescription(answerSdp, 'answer');
  }

  /** A trickled candidate (camera-streamer's `remote_candidate`). */
  addRemoteCandidate(candidate: string, mid: string): void {
    this.pc.addRemoteCandidate(candidate, mid);
  }

  private untilGathered(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(), this.options.gatherTimeoutMs);
      this.gathered = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private localSdp(): string {
    const description = this.pc.localDescription();
    if (description === null) throw new Error('no local description');
    return description.sdp;
  }

  private onState(state: string): void {
    const { id, log } = this.options;
    log('debug', `webrtc ${id}: ${state}`);
    if (state === 'connected') {
      clearTimeout(this.iceTimer);
      this.iceTimer = undefined;
    } else if (state === 'disconnected') {
      // Wi-Fi hiccups recover by themselves; a peer that stays away is closed.
      clearTimeout(this.iceTimer);
      this.iceTimer = setTimeout(() => this.close('ICE disconnected'), this.options.iceTimeoutMs);
    } else if (state === 'failed' || state === 'closed') {
      this.close(`ICE ${state}`);
    }
  }

  /** One access unit as one frame, stamped with its capture time on the 90 kHz clock. */
  send(unit: H264Unit): void {
    if (this.closed || !this.open) return;
    if (!this.started && !unit.keyframe) return;
    this.started = true;
    this.firstUnitMs ??= unit.timestamp;
    this.rtp.timestamp = (this.baseTimestamp + Math.round((unit.timestamp - this.firstUnitMs) * 90)) >>> 0;
    try {
      this.track.sendMessageBinary(unit.data);
      this.units++;
    } catch (error) {
      // The transport went away between the state callback and this unit.
      this.close(`send failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The stream ended (the producer failed, or the server's hub closed). */
  end(error?: Error): void {
    this.close(error === undefined ? 'the stream ended' : `the stream failed: ${error.message}`);
  }

  /** libdatachannel writes media straight to its UDP socket, so nothing queues: this is 0 but
   *  for what the library reports buffered on the track. */
  get backlogBytes(): number {
    if (this.closed) return 0;
    try {
      return this.track.bufferedAmount();
    } catch {
      return 0;
    }
  }

  /** Ends the call (DELETE, ICE, server close). Idempotent. */
  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.iceTimer);
    clearInterval(this.silenceTimer);
    this.gathered?.();
    try {
      this.track.close();
      this.pc.close();
    } catch {
      // Already torn down by the library.
    }
    this.options.log('info', `webrtc ${this.options.id}: closed (${reason}): ${this.units} units sent`);
    this.options.onClose(reason);
  }
}
