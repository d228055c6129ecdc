// The h264 part's third figure: capture to a decoded frame in Chromium (/usr/bin/chromium through
// playwright-core, headless, as test/helpers/browser.ts launches it). The page plays WHEP into a
// <video> and notes, for each frame requestVideoFrameCallback reports, its RTP timestamp and
// presentation time (and getStats' framesDecoded over the window); the RTP timestamps are mapped
// back to the units' capture times (alignRtp).
// Both clocks are taken to wall time by offsets measured in the same run, in each process (the
// server's CLOCK_MONOTONIC, the page's performance.now()), both processes being on this machine.
// MSE the same way when the server has GET /ws: the fMP4 decode times, 90 kHz ticks since the
// viewer's first unit, come back as requestVideoFrameCallback's mediaTime.
// MJPEG beside it: the page reads /stream with fetch and decodes each JPEG (createImageBitmap),
// timed against the part's X-Timestamp (capture time, s).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { alignRtp, latencySummary } from './h264-figures.mjs';

const SERVER = fileURLToPath(new URL('./h264-latency-server.mjs', import.meta.url));

const PAGE = `
window.wallMinusPerf = () => {
  let best = -Infinity;
  const until = Date.now() + 50;
  while (Date.now() < until) best = Math.max(best, Date.now() - performance.now());
  return best;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
window.webrtc = async (seconds, warmup) => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  document.body.append(video);
  pc.ontrack = (event) => {
    video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
    video.play().catch(() => {});
  };
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const res = await fetch('/whep', { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer.sdp });
  if (res.status !== 201) return { error: 'POST /whep answered ' + res.status + ': ' + (await res.text()) };
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  const frames = [];
  let counting = false;
  const onFrame = (now, m) => {
    if (counting) frames.push({ rtp: m.rtpTimestamp, presented: m.presentationTime });
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  const start = performance.now();
  while (video.readyState < 2 && performance.now() - start < 15000) await sleep(50);
  if (video.readyState < 2) return { error: 'no WebRTC frame in 15 s (' + pc.connectionState + ')' };
  const decoded = async () => {
    let n = 0;
    (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') n = s.framesDecoded ?? 0; });
    return n;
  };
  await sleep(warmup * 1000);
  const decoded0 = await decoded();
  counting = true;
  await sleep(seconds * 1000);
  counting = false;
  const framesDecoded = (await decoded()) - decoded0;
  pc.close();
  video.remove();
  return { frames, framesDecoded, wallMinusPerf: window.wallMinusPerf() };
};
window.mse = async (seconds, warmup) => {
  if (typeof MediaSource !== 'function') return { error: 'no MediaSource in this browser' };
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  const media = new MediaSource();
  video.src = URL.createObjectURL(media);
  await new Promise((resolve) => media.addEventListener('sourceopen', resolve, { once: true }));
  const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws');
  socket.binaryType = 'arraybuffer';
  const queue = [];
  let buffer = null;
  const pump = () => {
    while (buffer !== null && !buffer.updating && queue.length > 0) {
      const next = queue.shift();
      if (typeof next === 'string') buffer.changeType(next);
      else buffer.appendBuffer(next);
    }
  };
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') {
      const message = JSON.parse(event.data);
      if (message.type !== 'init') return;
      const type = 'video/mp4; codecs="' + message.codec + '"';
      // Segments mode (the page uses sequence): each frame keeps the decode time the muxer gave
      // it, 90 kHz ticks since the viewer's first unit, so mediaTime maps back to its capture.
      if (buffer === null) {
        buffer = media.addSourceBuffer(type);
        buffer.addEventListener('updateend', pump);
      } else queue.push(type);
      return;
    }
    queue.push(event.data);
    pump();
  };
  // The page's live-edge chase, as src/http/player.ts does it.
  const chase = setInterval(() => {
    const ranges = video.buffered;
    if (ranges.length === 0) return;
    const end = ranges.end(ranges.length - 1);
    if (end - video.currentTime > 0.5) video.currentTime = Math.max(ranges.start(ranges.length - 1), end - 0.1);
    if (buffer !== null && !buffer.updating && video.currentTime - ranges.start(0) > 10) buffer.remove(0, video.currentTime - 5);
  }, 500);
  // Where sequence mode would close the gap a skip to the next keyframe leaves, segments mode
  // stalls in it: jump to the next buffered range at once.
  const jump = setInterval(() => {
    const ranges = video.buffered;
    const t = video.currentTime;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges.start(i) > t + 0.01) {
        if (i === 0 || ranges.end(i - 1) - t < 0.05) video.currentTime = ranges.start(i);
        return;
      }
      if (ranges.end(i) - t >= 0.05) return;
    }
  }, 50);
  const frames = [];
  let counting = false;
  let presented = 0;
  const onFrame = (now, m) => {
    presented++;
    if (counting) frames.push({ ticks: Math.round(m.mediaTime * 90000), presented: m.presentationTime });
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  const start = performance.now();
  while (video.readyState < 2 && performance.now() - start < 15000) {
    video.play().catch(() => {});
    await sleep(100);
  }
  if (video.readyState < 2) {
    clearInterval(chase);
    clearInterval(jump);
    socket.close();
    return { error: 'no MSE frame in 15 s' };
  }
  await sleep(warmup * 1000);
  // A viewer that lagged at its start is skipped to the next keyframe, which leaves a gap in
  // the buffer until the chase seeks past it: count once frames flow (5 in half a second).
  for (let tries = 0; tries < 20; tries++) {
    const before = presented;
    await sleep(500);
    if (presented - before >= 5) break;
  }
  const decoded0 = video.getVideoPlaybackQuality().totalVideoFrames;
  counting = true;
  await sleep(seconds * 1000);
  counting = false;
  const framesDecoded = video.getVideoPlaybackQuality().totalVideoFrames - decoded0;
  clearInterval(chase);
  clearInterval(jump);
  socket.close();
  video.remove();
  return { frames, framesDecoded, wallMinusPerf: window.wallMinusPerf() };
};
window.mjpeg = async (seconds, warmup) => {
  const res = await fetch('/stream');
  const reader = res.body.getReader();
  let buf = new Uint8Array(0);
  const frames = [];
  const start = performance.now();
  const headerEnd = (b) => {
    for (let i = 0; i + 3 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
    return -1;
  };
  while (performance.now() - start < (warmup + seconds) * 1000) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(buf.length + value.length);
    joined.set(buf);
    joined.set(value, buf.length);
    buf = joined;
    for (;;) {
      const end = headerEnd(buf);
      if (end < 0) break;
      const head = new TextDecoder('latin1').decode(buf.subarray(0, end));
      const length = Number(/content-length: *(\\d+)/i.exec(head)?.[1]);
      const stamp = Number(/x-timestamp: *([\\d.]+)/i.exec(head)?.[1]);
      if (!(length > 0)) { buf = buf.subarray(end + 4); continue; }
      if (buf.length < end + 4 + length) break;
      const body = buf.slice(end + 4, end + 4 + length);
      buf = buf.subarray(end + 4 + length);
      const bitmap = await createImageBitmap(new Blob([body], { type: 'image/jpeg' }));
      const decoded = performance.now();
      bitmap.close();
      if (decoded - start > warmup * 1000) frames.push({ captureMs: stamp * 1000, decoded });
    }
  }
  await reader.cancel();
  return { frames, wallMinusPerf: window.wallMinusPerf() };
};
`;

function startServer(options) {
  const child = fork(SERVER, [JSON.stringify(options)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const ready = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`latency server exited (${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`)));
  });
  const hub = () =>
    new Promise((resolve) => {
      child.once('message', (message) => resolve(message.hub));
      child.send('hub');
    });
  const finish = () =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`latency server exited (${code}) before reporting`)));
      child.send('finish');
    });
  return { child, ready, hub, finish };
}

/**
 * A played path's row: each frame's 90 kHz time (RTP timestamp, MSE decode time) mapped back to
 * its unit's capture, and the presentation time less the capture time, both on the wall clock.
 */
function playedRow(path, played, ticksOf, captures, wallMinusMonoMs, seconds) {
  if (played.error) return { path, available: false, reason: played.error };
  const aligned = alignRtp(played.frames.map(ticksOf), captures);
  if (!aligned.ok) {
    const why = `90 kHz times not mapped to capture times (${aligned.matched}/${played.frames.length} matched, next best ${aligned.runnerUp})`;
    return { path, available: false, reason: why };
  }
  const latencies = played.frames.map((f, i) =>
    aligned.captureMs[i] == null ? null : f.presented + played.wallMinusPerf - (aligned.captureMs[i] + wallMinusMonoMs),
  );
  return {
    path,
    available: true,
    fps: played.frames.length / seconds,
    decodedFps: played.framesDecoded / seconds,
    mapped: aligned.matched,
    hubSkips: played.hubSkips,
    hubSkippedUnits: played.hubSkippedUnits,
    ...latencySummary(latencies),
  };
}

/** Latency rows: webrtc (WHEP), mse (absent unless the server has GET /ws), mjpeg. */
export async function benchLatency({ sourceFile, frames, width, height, fps, bitrateKbps, seconds, log }) {
  const server = startServer({ input: sourceFile, frames, width, height, fps, bitrateKbps });
  let browser;
  try {
    const { port } = await server.ready;
    const base = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    });
    const page = await browser.newPage();
    await page.goto(`${base}/state`);
    await page.evaluate(PAGE);
    log(`h264: latency, WebRTC (WHEP) for ${seconds} s`);
    // Viewers the hub skipped to the next keyframe while each path played, from its own stats.
    const skipsDuring = async (play) => {
      const before = await server.hub();
      const played = await play();
      const after = await server.hub();
      return { ...played, hubSkips: after.skips - before.skips, hubSkippedUnits: after.skippedUnits - before.skippedUnits };
    };
    const webrtc = await skipsDuring(() => page.evaluate(`window.webrtc(${seconds}, 1.5)`));
    const ws = (await fetch(`${base}/ws`)).status;
    let mse = null;
    if (ws !== 404) {
      log(`h264: latency, MSE (/ws) for ${seconds} s`);
      mse = await skipsDuring(() => page.evaluate(`window.mse(${seconds}, 1.5)`));
    }
    log(`h264: latency, MJPEG (/stream) for ${seconds} s`);
    const mjpeg = await page.evaluate(`window.mjpeg(${seconds}, 1.5)`);
    const { captures, wallMinusMonoMs } = await server.finish();
    const rows = [
      playedRow('webrtc', webrtc, (f) => f.rtp, captures, wallMinusMonoMs, seconds),
      ws === 404
        ? { path: 'mse', available: false, reason: 'absent: this build has no GET /ws' }
        : playedRow('mse', mse, (f) => f.ticks, captures, wallMinusMonoMs, seconds),
    ];
    const mjpegLatencies = mjpeg.frames.map((f) => f.decoded + mjpeg.wallMinusPerf - (f.captureMs + wallMinusMonoMs));
    const mjpegFps = mjpeg.frames.length / seconds;
    rows.push({ path: 'mjpeg', available: true, fps: mjpegFps, decodedFps: mjpegFps, ...latencySummary(mjpegLatencies) });
    return { seconds, clocks: { serverWallMinusMonoMs: wallMinusMonoMs, pageWallMinusPerfMs: webrtc.wallMinusPerf ?? null }, rows };
  } finally {
    await browser?.close();
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}
