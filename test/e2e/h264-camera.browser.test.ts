// The whole H.264 path from a real Camera (the test pattern coded by OpenH264 on its own thread)
// to real clients at once, as a user runs it: Chromium's page plays it by WebRTC, and by MSE when
// asked (?mode=mse, as when WebRTC cannot pass); ffmpeg reads the same stream over RTSP; an MJPEG viewer beside them keeps
// the source's rate. The fixture-fed tests (whep, mse, rtsp) cover each protocol's details.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCamera, type Camera } from '../../src/camera.js';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import { launchChromium } from '../helpers/browser.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { sleep } from '../helpers/wait.js';

const run = promisify(execFile);

let browser: Browser;
let camera: Camera;
let server: TurbocamServer;
let base: string;

beforeAll(async () => {
  browser = await launchChromium();
  camera = await openCamera({ source: 'testsrc', width: 640, height: 480, fps: 30, h264: { encoder: 'openh264', keyframeInterval: 60 } });
  server = createServer({ source: camera });
  await server.listen({ port: 0, rtspPort: 0 });
  base = `http://127.0.0.1:${server.port}/`;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await camera?.close();
});

/** The page's video: its size, play time, and frames decoded so far (WebRTC's getStats when it plays that). */
function video(page: Page): Promise<{ width: number; time: number; frames: number }> {
  return page.evaluate(`(() => {
    const v = document.querySelector('#video');
    return { width: v.videoWidth, time: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames };
  })()`) as Promise<{ width: number; time: number; frames: number }>;
}

async function plays(page: Page, transport: 'webrtc' | 'mse'): Promise<void> {
  await page.goto(transport === 'mse' ? `${base}?mode=mse` : base);
  await page.waitForFunction(`document.querySelector('#transport').dataset.transport === '${transport}'`, undefined, { timeout: 20_000 });
  await page.waitForFunction("document.querySelector('#video').videoWidth > 0", undefined, { timeout: 20_000 });
  const first = await video(page);
  await sleep(2000);
  const second = await video(page);
  expect({ transport, width: second.width }).toEqual({ transport, width: 640 });
  expect(second.time, `${transport}: play time ${first.time} s then ${second.time} s`).toBeGreaterThan(first.time + 1);
  // About 60 frames in 2 s at 30 fps; a frozen or stuttering stream shows far fewer.
  expect(second.frames - first.frames).toBeGreaterThan(30);
}

describe('H.264 from a Camera', () => {
  it('plays in Chromium by WebRTC, and by MSE', async () => {
    const page = await browser.newPage();
    await plays(page, 'webrtc');
    await page.close();
    const mse = await browser.newPage();
    await plays(mse, 'mse');
    await mse.close();
    expect(camera.h264Stats().units).toBeGreaterThan(60);
  });

  it('serves the same stream over RTSP while a browser and an MJPEG viewer watch at full rate', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.waitForFunction("document.querySelector('#transport').dataset.transport === 'webrtc'", undefined, { timeout: 20_000 });
    const mjpeg = new StrictMjpegClient({ port: server.port! });
    mjpeg.keepBodies = false;
    try {
      await mjpeg.waitForParts(3);
      const before = { parts: mjpeg.parts.length, at: performance.now() };
      const { stdout } = await run(
        'ffmpeg',
        ['-v', 'error', '-rtsp_transport', 'tcp', '-i', server.rtspUrl!, '-frames:v', '60', '-f', 'framemd5', '-'],
        { timeout: 30_000 },
      );
      expect(stdout.split('\n').filter((line) => /^0,/.test(line))).toHaveLength(60);
      expect(server.h264.stats().viewers).toMatchObject({ webrtc: 1, rtsp: 0 });
      // The MJPEG viewer's rate over the two seconds and more that ffmpeg took.
      const fps = ((mjpeg.parts.length - before.parts) * 1000) / (performance.now() - before.at);
      expect(fps).toBeGreaterThan(25);
    } finally {
      mjpeg.close();
      await page.close();
    }
  });
});
