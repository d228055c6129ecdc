// WebRTC signalling over HTTP: WHEP (POST /whep with an SDP offer, 201 with the answer and a
// Location to DELETE) and camera-streamer's JSON POST /webrtc (`request` -> server offer ->
// `answer`, or `offer` -> answer; `remote_candidate` trickles), which Klipper front-ends speak.
// Each call is a WebrtcPeer, added to the H.264 hub once its track opens.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCodedError } from '../errors.js';
import type { H264Subscription, H264ViewerHub } from '../h264/viewer.js';
import type { Log } from '../log.js';
import { loadWebrtc, type Datachannel } from '../webrtc/library.js';
import { WebrtcPeer, type PeerOptions } from '../webrtc/peer.js';
import { parseH264Offer } from '../webrtc/sdp.js';
import { readBody } from './controls.js';

export interface WhepOptions {
  /** The H.264 stream's hub; none: every call gets 503. */
  hub: H264ViewerHub | undefined;
  /** Why there is no H.264, with the remedy (the 503's message); undefined while there is. */
  unavailable: () => string | undefined;
  /** WebRTC calls beyond this get 503 (0: no limit). */
  maxPeers: number;
  log: Log;
  iceTimeoutMs?: number;
  gatherTimeoutMs?: number;
}

export interface WhepResponder {
  headers(req: IncomingMessage): Record<string, string>;
  refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string, headers?: Record<string, string>, code?: string): void;
  accepted(status: number): void;
}

export interface WhepRoute {
  post(req: IncomingMessage, res: ServerResponse): void;
  remove(req: IncomingMessage, res: ServerResponse, id: string): void;
  /** camera-streamer's POST /webrtc. */
  webrtc(req: IncomingMessage, res: ServerResponse): void;
  /** Ends every call; later requests get 503. */
  close(): void;
}

interface Session {
  peer: WebrtcPeer;
  subscription?: H264Subscription;
  /** camera-streamer: candidates that came before the answer. */
  answered: boolean;
  pending: Array<{ candidate: string; mid: string }>;
}

/** A refusal with its status and stable code, thrown inside a request and answered once. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function createWhepRoute(options: WhepOptions, respond: WhepResponder): WhepRoute {
  const { log } = options;
  const sessions = new Map<string, Session>();
  let closed = false;

  const refuse = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    if (res.headersSent || res.destroyed) return;
    if (error instanceof Refusal) respond.refuse(req, res, error.status, error.message, {}, error.code);
    else if (isCodedError(error) && error.code === 'ERR_WEBRTC_UNAVAILABLE') respond.refuse(req, res, 501, error.message, {}, error.code);
    else if (isCodedError(error) && error.code === 'ERR_BAD_OFFER') respond.refuse(req, res, 400, error.message, {}, error.code);
    else if (isCodedError(error) && error.code === 'ERR_H264_UNAVAILABLE') respond.refuse(req, res, 503, error.message, {}, error.code);
    else respond.refuse(req, res, 500, `webrtc failed: ${error instanceof Error ? error.message : String(error)}`, {}, 'ERR_INTERNAL');
  };

  // An offer is a few kB (Chromium's: 6); readBody refuses past 16 kB.
  const body = async (req: IncomingMessage): Promise<string> => {
    try {
      return await readBody(req);
    } catch (error) {
      throw new Refusal(413, 'ERR_INVALID_ARG', error instanceof Error ? error.message : String(error));
    }
  };

  // A new call: checks there is a stream and room for it, makes the peer (answering or offering)
  // and keeps it under a fresh id until it closes.
  let opening = 0;
  const call = async (
    make: (lib: Datachannel, peer: PeerOptions) => Promise<{ peer: WebrtcPeer; sdp: string }>,
    answered: boolean,
  ): Promise<{ id: string; sdp: string }> => {
    if (closed) throw new Refusal(503, 'ERR_CLOSED', 'shutting down');
    const { hub } = options;
    const unavailable = options.unavailable();
    if (unavailable !== undefined || hub === undefined)
      throw new Refusal(503, 'ERR_H264_UNAVAILABLE', unavailable ?? 'H.264 is unavailable');
    if (options.maxPeers > 0 && sessions.size + opening >= options.maxPeers)
      throw new Refusal(503, undefined, `too many WebRTC viewers (at most ${options.maxPeers})`);
    opening++;
    try {
      const lib = await loadWebrtc();
      const id = randomBytes(12).toString('base64url');
      let session: Session | undefined;
      let gone = false;
      const { peer, sdp } = await make(lib, {
        id,
        log,
        iceTimeoutMs: options.iceTimeoutMs ?? 15_000,
        gatherTimeoutMs: options.gatherTimeoutMs ?? 2000,
        // Units go to the peer only from here: the hub starts it at a keyframe it can deliver.
        onOpen: () => {
          if (session === undefined || closed) return;
          try {
            session.subscription = hub.add(peer);
          } catch (error) {
            peer.close(`no stream: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
        onKeyframeRequest: () => session?.subscription?.requestKeyframe(),
        onClose: () => {
          gone = true;
          session?.subscription?.close();
          sessions.delete(id);
        },
      });
      if (gone) throw new Refusal(500, 'ERR_INTERNAL', 'the peer closed while gathering candidates');
      if (closed) {
        peer.close('server closing');
        throw new Refusal(503, 'ERR_CLOSED', 'shutting down');
      }
      session = { peer, answered, pending: [] };
      sessions.set(id, session);
      return { id, sdp };
    } finally {
      opening--;
    }
  };

  const post = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (mediaType(req) !== 'application/sdp') {
      throw new Refusal(415, 'ERR_INVALID_ARG', 'send the SDP offer as Content-Type: application/sdp');
    }
    const offer = await body(req);
    const format = parseH264Offer(offer);
    const begun = performance.now();
    const { id, sdp } = await call((lib, peer) => WebrtcPeer.answer(lib, peer, offer, format), true);
    log('info', `webrtc ${id}: answered in ${(performance.now() - begun).toFixed(0)} ms (H.264 payload type ${format.payloadType})`);
    if (res.destroyed) {
      sessions.get(id)?.peer.close('client left before the answer');
      return;
    }
    respond.accepted(201);
    res.writeHead(201, {
      ...respond.headers(req),
      'Content-Type': 'application/sdp',
      'Content-Length': Buffer.byteLength(sdp),
      Location: `/whep/${id}`,
      'Cache-Control': 'no-store',
    });
    res.end(sdp);
  };

  const json = (req: IncomingMessage, res: ServerResponse, body: object): void => {
    const text = `${JSON.stringify(body)}\n`;
    respond.accepted(200);
    res.writeHead(200, {
      ...respond.headers(req),
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(text);
  };

  const known = (id: unknown): Session => {
    const session = typeof id === 'string' ? sessions.get(id) : undefined;
    if (session === undefined) throw new Refusal(404, 'ERR_INVALID_ARG', `no WebRTC session ${JSON.stringify(id)}`);
    return session;
  };

  // camera-streamer's protocol, message by message (its output/webrtc/webrtc.cc). ICE servers a
  // client sends are not used: the server would otherwise contact any host a page names.
  const webrtc = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (mediaType(req) !== 'application/json') throw new Refusal(415, 'ERR_INVALID_ARG', 'send JSON (Content-Type: application/json)');
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await body(req));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      message = parsed as Record<string, unknown>;
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw new Refusal(400, 'ERR_INVALID_ARG', 'the body must be a JSON object with a type');
    }
    switch (message.type) {
      case 'request': {
        const { id, sdp } = await call((lib, peer) => WebrtcPeer.offer(lib, peer), false);
        json(req, res, { id, type: 'offer', sdp, iceServers: [] });
        return;
      }
      case 'answer': {
        if (typeof message.sdp !== 'string' || typeof message.id !== 'string') throw new Refusal(400, 'ERR_INVALID_ARG', 'no sdp or id');
        const session = known(message.id);
        try {
          session.peer.accept(message.sdp);
        } catch (error) {
          session.peer.close('bad answer');
          throw new Refusal(400, 'ERR_BAD_OFFER', `the answer was refused: ${error instanceof Error ? error.message : String(error)}`);
        }
        session.answered = true;
        for (const { candidate, mid } of session.pending.splice(0)) session.peer.addRemoteCandidate(candidate, mid);
        json(req, res, {});
        return;
      }
      case 'offer': {
        if (typeof message.sdp !== 'string') throw new Refusal(400, 'ERR_INVALID_ARG', 'no sdp');
        const format = parseH264Offer(message.sdp);
        const offer = message.sdp;
        const { id, sdp } = await call((lib, peer) => WebrtcPeer.answer(lib, peer, offer, format), true);
        json(req, res, { id, type: 'answer', sdp, iceServers: [] });
        return;
      }
      case 'remote_candidate': {
        if (!Array.isArray(message.candidates) || typeof message.id !== 'string')
          throw new Refusal(400, 'ERR_INVALID_ARG', 'candidates is not an array or no id');
        const session = known(message.id);
        const candidates = message.candidates.map((entry: unknown) => {
          const { candidate, sdpMid } = (entry ?? {}) as { candidate?: unknown; sdpMid?: unknown };
          if (typeof candidate !== 'string' || typeof sdpMid !== 'string')
            throw new Refusal(400, 'ERR_INVALID_ARG', 'a candidate wants candidate and sdpMid strings');
          return { candidate, mid: sdpMid };
        });
        for (const c of candidates) {
          if (!session.answered) session.pending.push(c);
          else if (c.candidate !== '') session.peer.addRemoteCandidate(c.candidate, c.mid);
        }
        json(req, res, {});
        return;
      }
      default:
        throw new Refusal(
          400,
          'ERR_INVALID_ARG',
          `not expected: type ${JSON.stringify(message.type)} (request, offer, answer, remote_candidate)`,
        );
    }
  };

  return {
    post: (req, res) => void post(req, res).catch((error: unknown) => refuse(req, res, error)),
    webrtc: (req, res) => void webrtc(req, res).catch((error: unknown) => refuse(req, res, error)),
    remove: (req, res, id) => {
      const session = sessions.get(id);
      if (session === undefined) {
        respond.refuse(req, res, 404, `no WHEP session ${id}`, {}, 'ERR_INVALID_ARG');
        return;
      }
      session.peer.close('DELETE');
      json(req, res, {});
    },
    close: () => {
      closed = true;
      for (const { peer } of [...sessions.values()]) peer.close('server closing');
    },
  };
}
