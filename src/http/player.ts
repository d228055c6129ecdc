// The page's H.264 player, for a server whose source codes H.264: WebRTC by WHEP first (lowest
// latency), then MSE over /ws (passes proxies and tunnels), then MJPEG, each tried only when the
// one before failed; the page says which one plays and why the others did not. `?mode=webrtc`,
// `mse` or `mjpeg` starts at that one. Plain browser JavaScript in a string, no build step.
export const PLAYER_SCRIPT = `const video = document.querySelector('#video');
const image = document.querySelector('#stream');
const transport = document.querySelector('#transport');
const failures = [];
let leave = () => {};
function say(name) {
  transport.textContent = name + (failures.length > 0 ? ' (' + failures.join('; ') + ')' : '');
  transport.dataset.transport = name.split(' ')[0].toLowerCase();
}
// Resolves once the video has painted a frame; rejects after ms.
function firstFrame(ms, what) {
  return new Promise((resolve, reject) => {
    const until = Date.now() + ms;
    const check = () => {
      if (video.readyState >= 2 && video.videoWidth > 0) resolve();
      else if (Date.now() > until) reject(new Error(what + ': no picture within ' + ms / 1000 + ' s'));
      else setTimeout(check, 50);
    };
    check();
  });
}
async function webrtc() {
  if (typeof RTCPeerConnection !== 'function') throw new Error('WebRTC: not in this browser');
  const pc = new RTCPeerConnection();
  let resource = null;
  leave = () => {
    pc.close();
    if (resource !== null) fetch(resource, { method: 'DELETE', keepalive: true }).catch(() => {});
  };
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.ontrack = (event) => {
    video.srcObject = event.streams[0] || new MediaStream([event.track]);
  };
  await pc.setLocalDescription(await pc.createOffer());
  // No trickle: the offer goes with every candidate gathered (host candidates take milliseconds).
  await Promise.race([
    new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    }),
    new Promise((resolve) => setTimeout(resolve, 2000)),
  ]);
  const answer = await fetch('whep', { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
  const text = await answer.text();
  if (answer.status !== 201) throw new Error('WebRTC: POST whep answered ' + answer.status + ' ' + text.slice(0, 160));
  const location = answer.headers.get('Location');
  if (location !== null) resource = new URL(location, answer.url).href;
  await pc.setRemoteDescription({ type: 'answer', sdp: text });
  await firstFrame(6000, 'WebRTC');
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'failed') fallBack('WebRTC: connection failed', mse);
  };
  video.play().catch(() => {});
  return 'WebRTC (WHEP)';
}
async function mse() {
  if (typeof MediaSource !== 'function') throw new Error('MSE: not in this browser');
  const media = new MediaSource();
  video.srcObject = null;
  video.src = URL.createObjectURL(media);
  await new Promise((resolve) => media.addEventListener('sourceopen', resolve, { once: true }));
  const socket = new WebSocket(new URL('ws', location.href).href.replace(/^http/, 'ws'));
  socket.binaryType = 'arraybuffer';
  const queue = [];
  let buffer = null;
  let failed = null;
  const chase = setInterval(() => {
    // Live: stay near the newest frame (after a stall, or units skipped on a slow link).
    const ranges = video.buffered;
    if (ranges.length === 0) return;
    const end = ranges.end(ranges.length - 1);
    if (end - video.currentTime > 0.5) video.currentTime = Math.max(ranges.start(ranges.length - 1), end - 0.1);
    // Bounded memory: what is well behind the playhead goes.
    if (buffer !== null && !buffer.updating && video.currentTime - ranges.start(0) > 10) buffer.remove(0, video.currentTime - 5);
  }, 500);
  leave = () => {
    clearInterval(chase);
    socket.close();
  };
  const pump = () => {
    while (buffer !== null && !buffer.updating && queue.length > 0) {
      const next = queue.shift();
      if (typeof next === 'string') {
        buffer.changeType(next);
        continue;
      }
      buffer.appendBuffer(next);
    }
  };
  const opened = new Promise((resolve, reject) => {
    socket.onerror = () => reject(new Error('MSE: the WebSocket failed'));
    socket.onclose = (event) => {
      reject(new Error('MSE: the WebSocket closed (' + event.code + (event.reason ? ' ' + event.reason : '') + ')'));
      if (failed === null && transport.dataset.transport === 'mse') fallBack('MSE: stream ended (' + event.code + ')', mjpeg);
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') {
        const message = JSON.parse(event.data);
        if (message.type !== 'init') return;
        const type = 'video/mp4; codecs="' + message.codec + '"';
        if (!MediaSource.isTypeSupported(type)) {
          failed = new Error('MSE: this browser cannot play ' + message.codec);
          reject(failed);
          socket.close();
          return;
        }
        if (buffer === null) {
          buffer = media.addSourceBuffer(type);
          // Sequence mode lays each fragment after the one before: units skipped on the server
          // leave no gap that would stall playback.
          buffer.mode = 'sequence';
          buffer.addEventListener('updateend', pump);
        } else queue.push(type);
        return;
      }
      queue.push(event.data);
      pump();
    };
    firstFrame(6000, 'MSE').then(resolve, reject);
  });
  await opened;
  video.play().catch(() => {});
  return 'MSE (fMP4 over WebSocket)';
}
async function mjpeg() {
  video.hidden = true;
  image.hidden = false;
  image.src = 'stream';
  return 'MJPEG';
}
async function fallBack(why, next) {
  failures.push(why);
  leave();
  leave = () => {};
  try {
    say(await next());
    if (next !== mjpeg) {
      video.hidden = false;
      image.hidden = true;
    }
  } catch (error) {
    fallBack(error.message, next === webrtc ? mse : mjpeg);
  }
}
const order = { webrtc, mse, mjpeg };
const asked = new URLSearchParams(location.search).get('mode');
const first = order[asked] || webrtc;
first()
  .then((name) => {
    say(name);
    if (first !== mjpeg) {
      video.hidden = false;
      image.hidden = true;
    }
  })
  .catch((error) => fallBack(error.message, first === webrtc ? mse : mjpeg));
addEventListener('pagehide', () => leave());
`;
