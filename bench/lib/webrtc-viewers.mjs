// The receiving side of the WebRTC bench: `node webrtc-viewers.mjs PORT N`. N node-datachannel
// peers, each offering to receive H.264 as a browser does, POSTing the offer to /whep and timing
// the answer; they count RTP bytes (nothing is decoded, so this process stays light). Reports over
// IPC: each answer time, then on request the bytes each has received.
import nodeDatachannel from 'node-datachannel';

const [portText, countText] = process.argv.slice(2);
const port = Number(portText);
const peers = [];

async function viewer(n) {
  const pc = new nodeDatachannel.PeerConnection(`viewer${n}`, { iceServers: [] });
  const video = new nodeDatachannel.Video('0', 'RecvOnly');
  video.addH264Codec(102, 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1');
  const track = pc.addTrack(video);
  const peer = { pc, bytes: 0, packets: 0 };
  track.onMessage((message) => {
    peer.bytes += message.length;
    peer.packets++;
  });
  // The session must reach its RTCP receiver: without it libdatachannel drops incoming RTP.
  track.setMediaHandler(new nodeDatachannel.RtcpReceivingSession());
  const gathered = new Promise((resolve) => pc.onGatheringStateChange((state) => state === 'complete' && resolve()));
  pc.setLocalDescription('offer');
  await gathered;
  const offer = pc.localDescription().sdp;
  const begun = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/whep`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer });
  const answer = await res.text();
  const answerMs = performance.now() - begun;
  if (res.status !== 201) throw new Error(`POST /whep: ${res.status} ${answer}`);
  try {
    pc.setRemoteDescription(answer, 'answer');
  } catch (error) {
    pc.close();
    throw error;
  }
  peer.track = track;
  peers.push(peer);
  return answerMs;
}

// Now and then (under load) libdatachannel drops a viewer's ICE transport before the answer is
// set; that viewer is made again, at most twice.
async function retried(n) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await viewer(n);
    } catch (error) {
      if (attempt === 3 || !/ICE transport/.test(error.message)) throw error;
      process.stderr.write(`webrtc bench: viewer ${n}: ${error.message}; again\n`);
    }
  }
}

const answers = [];
for (let n = 0; n < Number(countText); n++) answers.push(await retried(n));
process.send({ answers });
process.on('message', (message) => {
  if (message === 'bytes') process.send({ bytes: peers.map((p) => p.bytes), packets: peers.map((p) => p.packets) });
  if (message === 'stop') {
    for (const p of peers) p.pc.close();
    nodeDatachannel.cleanup();
    process.exit(0);
  }
});
