// Cheap UVC webcams end MJPEG frames without EOI, or cut them short: the CLI on a FIFO of such
// frames, watched by a strict MJPEG client, with every served frame decoded by ffmpeg.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startCli, type RunningCli } from '../helpers/cli.js';
import { colourBarMismatches, decodeJpeg } from '../helpers/colour-bars.js';
import { fetchRaw } from '../helpers/http.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { barJpegs, cutAt, withoutEoi, writePaced } from '../helpers/mjpeg-frames.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-repair-'));
const FPS = 25;
let jpegs: Buffer[] = [];
let running: RunningCli | undefined;

beforeAll(() => {
  ensureBuilt();
  jpegs = barJpegs(100);
}, 60_000);

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

let fifos = 0;
async function cliOnFifo(extra: string[] = []): Promise<{ cli: RunningCli; fifo: string }> {
  const fifo = join(dir, `camera${fifos++}.fifo`);
  execFileSync('mkfifo', [fifo]);
  const cli = await startCli(['-d', fifo, '--format', 'mjpeg', '-p', '0', '--pause-after', '600', ...extra]);
  running = cli;
  return { cli, fifo };
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

/** ffmpeg decodes the frames with errors treated as fatal; returns its stderr. */
function ffmpegDecode(frames: Buffer[]): { status: number | null; stderr: string; decoded: number } {
  const result = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-xerror', '-f', 'mjpeg', '-i', '-', '-f', 'framecrc', '-'], {
    input: Buffer.concat(frames),
    maxBuffer: 64 << 20,
  });
  const decoded = result.stdout
    .toString()
    .split('\n')
    .filter((line) => /^0,/.test(line)).length;
  return { status: result.status, stderr: result.stderr.toString(), decoded };
}

describe('MJPEG frames without EOI', () => {
  it('are repaired and streamed at >= 95 % of the input rate, each decoding cleanly', async () => {
    const { cli, fifo } = await cliOnFifo();
    const viewer = new StrictMjpegClient({ port: cli.port, path: '/stream' });
    const writer = writePaced(fifo, jpegs.map(withoutEoi), FPS);
    // Every frame but the last is complete once the next one's SOI arrives.
    const written = jpegs.length;
    await viewer.waitForParts(Math.floor(written * 0.95), 20_000);
    const metrics = (await fetchRaw({ port: cli.port }, '/metrics')).body.toString();
    await writer.done;
    // The writer closing ends the source (and this CLI); the last frames arrive first.
    const deadline = Date.now() + 3000;
    while (!viewer.ended && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const parts = viewer.parts.filter(
      (part, i, all) => all.findIndex((p) => p.headers.get('x-sequence') === part.headers.get('x-sequence')) === i,
    );
    expect(parts.length / written).toBeGreaterThanOrEqual(0.95);
    expect(metric(metrics, 'turbocam_frames_repaired_total')).toBeGreaterThanOrEqual(Math.floor(written * 0.95));
    expect(metric(metrics, 'turbocam_frames_dropped_total', 'reason="corrupt"')).toBe(0);
    for (const part of parts) {
      expect(part.body.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
      expect(colourBarMismatches(decodeJpeg(part.body), 0.1, 0.6)).toEqual([]);
    }
    const decoded = ffmpegDecode(parts.map((p) => p.body));
    expect(decoded.stderr).toBe('');
    expect(decoded.status).toBe(0);
    expect(decoded.decoded).toBe(parts.length);
    viewer.close();
  }, 60_000);
});

describe('MJPEG frames cut short inside the scan (at 90 %)', () => {
  it('are rejected and counted without --allow-truncated-frames, with one warning naming it', async () => {
    const { cli, fifo } = await cliOnFifo();
    const viewer = new StrictMjpegClient({ port: cli.port, path: '/stream' });
    const writer = writePaced(fifo, jpegs.slice(0, 60).map(cutAt(0.9)), FPS);
    const deadline = Date.now() + 20_000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = (await fetchRaw({ port: cli.port }, '/metrics')).body.toString();
      if (metric(metrics, 'turbocam_frames_dropped_total', 'reason="corrupt"') >= 55) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await writer.done;
    expect(metric(metrics, 'turbocam_frames_dropped_total', 'reason="corrupt"')).toBeGreaterThanOrEqual(55);
    expect(metric(metrics, 'turbocam_frames_repaired_total')).toBe(0);
    // Nothing but NO SIGNAL-free silence reached the viewer: no camera frame was served.
    expect(metric(metrics, 'turbocam_frames_delivered_total')).toBe(0);
    const warnings = cli.stderr.split('\n').filter((line) => line.includes('--allow-truncated-frames'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warn/);
    viewer.close();
  }, 60_000);

  it('are served with --allow-truncated-frames, EOI appended, each decodable', async () => {
    const { cli, fifo } = await cliOnFifo(['--allow-truncated-frames']);
    const viewer = new StrictMjpegClient({ port: cli.port, path: '/stream' });
    const writer = writePaced(fifo, jpegs.slice(0, 60).map(cutAt(0.9)), FPS);
    await viewer.waitForParts(50, 20_000);
    const metrics = (await fetchRaw({ port: cli.port }, '/metrics')).body.toString();
    await writer.done;
    expect(metric(metrics, 'turbocam_frames_repaired_total')).toBeGreaterThanOrEqual(50);
    expect(metric(metrics, 'turbocam_frames_dropped_total', 'reason="corrupt"')).toBe(0);
    expect(cli.stderr).not.toContain('--allow-truncated-frames');
    const bodies = viewer.parts.map((p) => p.body);
    for (const body of bodies) expect(body.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    // The missing tenth decodes as grey, but every frame decodes to a picture.
    const decoded = spawnSync('ffmpeg', ['-hide_banner', '-v', 'quiet', '-f', 'mjpeg', '-i', '-', '-f', 'framecrc', '-'], {
      input: Buffer.concat(bodies),
    });
    expect(decoded.status).toBe(0);
    expect(
      decoded.stdout
        .toString()
        .split('\n')
        .filter((line) => /^0,/.test(line)).length,
    ).toBe(bodies.length);
    // The top of the picture, which arrived, still shows the bars (ffmpeg conceals the rest;
    // jpeg-js refuses a cut scan).
    const rgba = spawnSync('ffmpeg', ['-hide_banner', '-v', 'quiet', '-f', 'mjpeg', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], {
      input: bodies.at(-1),
    });
    expect(rgba.stdout.length).toBe(320 * 240 * 4);
    expect(colourBarMismatches({ width: 320, height: 240, data: rgba.stdout }, 0.05, 0.5)).toEqual([]);
    viewer.close();
  }, 60_000);
});
