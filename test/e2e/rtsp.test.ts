// RTSP against real clients: ffprobe and ffmpeg read the stream (TCP, and UDP-first falling back
// to TCP on 461), with and without auth; a raw socket checks the protocol's answers and errors.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { H264Hub } from '../../src/h264/hub.js';
import { BasicAuth } from '../../src/http/auth.js';
import { RtspServer } from '../../src/rtsp/server.js';
import { FfmpegH264Producer } from '../helpers/h264-fixture.js';
import { waitUntil } from '../helpers/wait.js';

const run = promisify(execFile);

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function start(options: { auth?: BasicAuth; withProducer?: boolean } = {}) {
  const producer = new FfmpegH264Producer({ width: 640, height: 360, fps: 30, keyframeInterval: 30 });
  const hub = new H264Hub(options.withProducer === false ? undefined : producer);
  const rtsp = new RtspServer({ hub, ...(options.auth ? { auth: options.auth } : {}) });
  const url = await rtsp.listen(0, '127.0.0.1');
  cleanup.push(
    () => rtsp.close(),
    () => hub.close(),
  );
  return { producer, hub, rtsp, url };
}

/** Frames ffmpeg decoded from the URL (framemd5 lines), and its exit status. */
async function decode(url: string, frames: number, transport: string[] = ['-rtsp_transport', 'tcp']) {
  const { stdout } = await run('ffmpeg', ['-v', 'error', ...transport, '-i', url, '-frames:v', String(frames), '-f', 'framemd5', '-'], {
    timeout: 30_000,
  });
  return stdout.split('\n').filter((line) => /^0,/.test(line)).length;
}

/** Sends raw RTSP requests on one connection and collects each response head (and body). */
async function exchange(url: string, requests: Array<string | ((replies: string[]) => string)>): Promise<string[]> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const replies: string[] = [];
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    for (;;) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0 || !pending.startsWith('RTSP/1.0')) return;
      const length = Number(/Content-Length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
      if (pending.length < end + 4 + length) return;
      replies.push(pending.slice(0, end + 4 + length));
      pending = pending.slice(end + 4 + length);
    }
  });
  for (const [index, request] of requests.entries()) {
    socket.write(typeof request === 'string' ? request : request(replies));
    await waitUntil('an RTSP reply', () => replies.length > index || socket.destroyed, 10_000);
  }
  socket.destroy();
  return replies;
}

describe('RTSP', () => {
  it('serves the H.264 stream that ffprobe describes and ffmpeg decodes, over TCP and after a UDP refusal', async () => {
    const { url, hub } = await start();
    const { stdout } = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-show_streams', '-of', 'json', url], {
      timeout: 30_000,
    });
    const [stream] = (JSON.parse(stdout) as { streams: Array<Record<string, unknown>> }).streams;
    expect(stream).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', width: 640, height: 360 });
    expect(await decode(url, 60)).toBe(60);
    // ffmpeg's default asks for UDP first: 461 sends it to TCP.
    expect(await decode(url, 30, [])).toBe(30);
    await waitUntil('the stream to stop after its last viewer', () => hub.viewerCount === 0 && !hub.isRunning);
  });

  it('asks for credentials when auth is on, and plays with them', async () => {
    const { url } = await start({ auth: new BasicAuth([{ user: 'viewer', pass: 's3cret' }]) });
    await expect(decode(url, 5)).rejects.toThrow(/401/);
    expect(await decode(url.replace('rtsp://', 'rtsp://viewer:s3cret@'), 10)).toBe(10);
  });

  it('answers the protocol: OPTIONS, 404 for another path, 461 for UDP, 454 for a wrong session, 455 for PLAY after TEARDOWN', async () => {
    const { url } = await start();
    const other = url.replace('/stream', '/nothing');
    const [options, notFound, udp, play, teardown] = await exchange(url, [
      `OPTIONS ${url} RTSP/1.0\r\nCSeq: 1\r\n\r\n`,
      `DESCRIBE ${other} RTSP/1.0\r\nCSeq: 2\r\n\r\n`,
      `SETUP ${url}/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n`,
      `PLAY ${url} RTSP/1.0\r\nCSeq: 4\r\n\r\n`,
      `TEARDOWN ${url} RTSP/1.0\r\nCSeq: 5\r\nSession: 0123\r\n\r\n`,
    ]);
    expect(options).toMatch(/^RTSP\/1\.0 200 OK\r\nCSeq: 1\r\n/);
    expect(options).toMatch(/Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN/);
    expect(notFound).toMatch(/^RTSP\/1\.0 404 Not Found\r\nCSeq: 2/);
    expect(udp).toMatch(/^RTSP\/1\.0 461 Unsupported Transport\r\nCSeq: 3/);
    expect(play).toMatch(/^RTSP\/1\.0 454 Session Not Found\r\nCSeq: 4/);
    expect(teardown).toMatch(/^RTSP\/1\.0 454 /);
    const session = (replies: string[]): string => /Session: ([0-9a-f]+)/.exec(replies[0] ?? '')?.[1] ?? '';
    const [setup, teardownOk, afterTeardown] = await exchange(url, [
      `SETUP ${url}/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=4-5\r\n\r\n`,
      (replies) => `TEARDOWN ${url} RTSP/1.0\r\nCSeq: 2\r\nSession: ${session(replies)}\r\n\r\n`,
      (replies) => `PLAY ${url} RTSP/1.0\r\nCSeq: 3\r\nSession: ${session(replies)}\r\n\r\n`,
    ]);
    expect(setup).toMatch(/Transport: RTP\/AVP\/TCP;unicast;interleaved=4-5;ssrc=[0-9a-f]{8}/);
    expect(teardownOk).toMatch(/^RTSP\/1\.0 200 OK\r\nCSeq: 2/);
    expect(afterTeardown).toMatch(/^RTSP\/1\.0 455 /);
  });

  it('ends a garbage request with 400 and closes the connection', async () => {
    const { url } = await start();
    const [reply] = await exchange(url, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(reply).toMatch(/^RTSP\/1\.0 400 Bad Request/);
  });

  it('says why when the source codes no H.264', async () => {
    const { url } = await start({ withProducer: false });
    const [reply] = await exchange(url, [`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 7\r\n\r\n`]);
    expect(reply).toMatch(/^RTSP\/1\.0 503 Service Unavailable\r\nCSeq: 7/);
    expect(reply).toMatch(/H\.264 is unavailable/);
  });
});
