// The sending side of the WebRTC bench, one process per library so its /proc CPU figure is the
// library's alone: `node webrtc-server.mjs LIB UNITS.h264 PORT`. It replays the pre-coded access
// units at 30 fps to every open peer and answers WHEP offers on POST /whep.
//   node-datachannel: turbocam's own WHEP route and peer (dist/), as the server runs them;
//   werift: the same flow with werift's RTCPeerConnection and an FU-A packetizer in JS (werift
//   sends RTP packets, it has no H.264 packetizer of its own).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [lib, unitsFile, portText] = process.argv.slice(2);
const FPS = 30;
const AUD = Buffer.from([0, 0, 0, 1, 9]);

function splitUnits(stream) {
  const units = [];
  for (let at = stream.indexOf(AUD); at >= 0;) {
    const next = stream.indexOf(AUD, at + 1);
    units.push(stream.subarray(at, next < 0 ? stream.length : next));
    at = next;
  }
  return units.map((data) => ({ data, keyframe: hasIdr(data) }));
}

function hasIdr(unit) {
  for (let i = 0; i + 3 < unit.length; i++)
    if (unit[i] === 0 && unit[i + 1] === 0 && unit[i + 2] === 1 && (unit[i + 3] & 0x1f) === 5) return true;
  return false;
}

/** The NAL units of an Annex B access unit, without their start codes. */
function nalUnits(unit) {
  const out = [];
  let start = -1;
  for (let i = 0; i + 2 < unit.length; i++) {
    if (unit[i] === 0 && unit[i + 1] === 0 && unit[i + 2] === 1) {
      if (start >= 0) out.push(unit.subarray(start, unit[i - 1] === 0 ? i - 1 : i));
      start = i + 3;
      i += 2;
    }
  }
  if (start >= 0) out.push(unit.subarray(start));
  return out.filter((nal) => nal.length > 0 && (nal[0] & 0x1f) !== 9);
}

const units = splitUnits(readFileSync(unitsFile));
const viewers = new Set();
let sequence = 0;

// Drift-free pacing: unit n goes out at start + n / FPS, whatever the timer's jitter.
const started = performance.now();
let sent = 0;
function tick() {
  const due = Math.floor(((performance.now() - started) * FPS) / 1000);
  for (; sent <= due; sent++) {
    const unit = units[sent % units.length];
    const h264 = { ...unit, timestamp: started + (sent * 1000) / FPS, sequence: sequence++ };
    for (const viewer of viewers) viewer.send(h264);
  }
  setTimeout(tick, Math.max(1, started + (sent * 1000) / FPS - performance.now()));
}
tick();

// The viewers of one stream, as the H.264 hub hands them units: from a keyframe on.
const hub = {
  add(viewer) {
    let waiting = true;
    const gated = {
      send(unit) {
        if (waiting && !unit.keyframe) return;
        waiting = false;
        viewer.send(unit);
      },
    };
    viewers.add(gated);
    return { close: () => viewers.delete(gated), requestKeyframe: () => undefined };
  },
};

async function nodeDatachannel() {
  const { createWhepRoute } = await import('../../dist/http/whep.js');
  const route = createWhepRoute(
    { hub, unavailable: () => undefined, maxPeers: 0, log: () => undefined },
    {
      headers: () => ({}),
      refuse: (req, res, status, message) => {
        res.writeHead(status);
        res.end(message);
      },
      accepted: () => undefined,
    },
  );
  return (req, res) => route.post(req, res);
}

async function werift() {
  const { RTCPeerConnection, RTCRtpCodecParameters, MediaStreamTrack, RtpPacket, RtpHeader } = await import('werift');
  const MTU_PAYLOAD = 1200;
  return async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const offer = Buffer.concat(chunks).toString();
    const pc = new RTCPeerConnection({
      codecs: {
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/H264',
            clockRate: 90000,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
            parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
          }),
        ],
      },
    });
    const track = new MediaStreamTrack({ kind: 'video' });
    pc.addTransceiver(track, { direction: 'sendonly' });
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    let seq = Math.floor(Math.random() * 65535);
    let open = false;
    let subscription;
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && !open) {
        open = true;
        subscription = hub.add({
          send(unit) {
            const timestamp = Math.round(unit.timestamp * 90) >>> 0;
            const nals = nalUnits(unit.data);
            nals.forEach((nal, n) => {
              const last = n === nals.length - 1;
              const packet = (payload, marker) => {
                const header = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp, marker });
                seq = (seq + 1) & 0xffff;
                track.writeRtp(new RtpPacket(header, payload));
              };
              if (nal.length <= MTU_PAYLOAD) return packet(nal, last);
              // FU-A (RFC 6184 5.8): the NAL header split into indicator and FU header.
              const indicator = (nal[0] & 0xe0) | 28;
              const type = nal[0] & 0x1f;
              for (let at = 1; at < nal.length; at += MTU_PAYLOAD) {
                const end = Math.min(nal.length, at + MTU_PAYLOAD);
                const fu = (at === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
                packet(Buffer.concat([Buffer.from([indicator, fu]), nal.subarray(at, end)]), last && end === nal.length);
              }
            });
          },
        });
      }
      if (state === 'closed' || state === 'failed') subscription?.close();
    });
    const sdp = pc.localDescription.sdp;
    res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/whep/x' });
    res.end(sdp);
  };
}

const handler = lib === 'werift' ? await werift() : await nodeDatachannel();
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/whep') void handler(req, res);
  else {
    res.writeHead(404);
    res.end();
  }
});
server.listen(Number(portText), '127.0.0.1', () => process.send?.({ ready: true, units: units.length }));
process.on('message', (message) => {
  if (message === 'viewers') process.send?.({ viewers: viewers.size });
});
process.on('disconnect', () => process.exit(0));
