// Debian's Chromium plays the MSE stream from the page: the video's time advances and its picture
// is neither blank nor still; the page falls back from WebRTC to MSE and says why; a viewer joining
// mid-stream has a picture within one keyframe interval; MJPEG viewers beside it keep full rate;
// a server without H.264 keeps the MJPEG page.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCamera } from '../../src/camera.js';
import { createServer, type TurbocamServer } from '../../src/http/server.js';
import type { FrameSource } from '../../src/sources/source.js';
import { launchChromium } from '../helpers/browser.js';
import { FfmpegH264Producer } from '../helpers/h264-fixture.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { openTestSource } from '../helpers/source.js';
import { sleep, waitUntil } from '../helpers/wait.js';

const KEYFRAME_INTERVAL = 30;
let browser: Browser;
let source: FrameSource;
let server: TurbocamServer;
let base: string;

beforeAll(async () => {
  browser = await launchChromium();
  source = await openTestSource(320, 240, 15);
  server = createServer({
    source,
    h264: new FfmpegH264Producer({ width: 640, height: 360, fps: 30, keyframeInterval: KEYFRAME_INTERVAL }),
  });
  await server.listen({ port: 0 });
  base = `http://127.0.0.1:${server.port}/`;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await source?.close();
});

interface Picture {
  time: number;
  width: number;
  height: number;
  /** Luma's spread and the number of distinct colours (quantised): a blank frame has neither. */
  spread: number;
  colours: number;
  /** A coarse fingerprint, to tell pictures apart. */
  print: number[];
}

function picture(page: Page): Promise<Picture> {
  return page.evaluate(`(() => {
    const video = document.querySelector('#video');
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d');
    context.drawImage(video, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let sum = 0, sum2 = 0, n = 0;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4 * 7) {
      const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      sum += y; sum2 += y * y; n++;
      colours.add((data[i] >> 4) * 256 + (data[i + 1] >> 4) * 16 + (data[i + 2] >> 4));
    }
    const print = [];
    for (let i = 0; i < 64; i++) print.push(data[Math.floor(data.length / 4 / 64) * i * 4]);
    return { time: video.currentTime, width: canvas.width, height: canvas.height,
      spread: Math.sqrt(sum2 / n - (sum / n) * (sum / n)), colours: colours.size, print };
  })()`) as Promise<Picture>;
}

const hasPicture = (page: Page): Promise<boolean> =>
  page.evaluate(
    "(() => { const v = document.querySelector('#video'); return v.readyState >= 2 && v.videoWidth > 0; })()",
  ) as Promise<boolean>;

describe('MSE in Chromium', () => {
  it('falls back from WebRTC to MSE, says so, and plays: time advances, the picture is real and moving', async () => {
    const page = await browser.newPage();
    // WebRTC refused, whatever this build serves at /whep: the page must go on to MSE.
    const offers: Array<{ method: string; type: string | undefined; sdp: string }> = [];
    await page.route('**/whep', (route) => {
      const request = route.request();
      offers.push({ method: request.method(), type: request.headers()['content-type'], sdp: request.postData() ?? '' });
      return route.fulfill({ status: 503, contentType: 'application/json', body: '{"ok":false}' });
    });
    await page.goto(base);
    await page.waitForFunction("document.querySelector('#transport').dataset.transport === 'mse'", undefined, { timeout: 20_000 });
    const said = await page.locator('#transport').textContent();
    expect(said).toMatch(/^MSE \(fMP4 over WebSocket\) \(WebRTC: POST whep answered 503/);
    expect(await page.locator('#stream').isHidden()).toBe(true);
    // What it asked first: a WHEP offer, receive-only video, with its ICE candidates (no trickle).
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatchObject({ method: 'POST', type: 'application/sdp' });
    expect(offers[0]!.sdp).toMatch(/^m=video /m);
    expect(offers[0]!.sdp).toMatch(/^a=recvonly$/m);
    expect(offers[0]!.sdp).toMatch(/^a=rtpmap:\d+ H264\/90000$/m);
    expect(offers[0]!.sdp).toMatch(/^a=candidate:/m);
    const first = await picture(page);
    // A second of stream time: how long it takes depends on the machine, not on what is checked.
    const second = await waitUntil('the video time to advance a second', async () => {
      const now = await picture(page);
      return now.time > first.time + 1 ? now : undefined;
    });
    expect({ width: second.width, height: second.height }).toEqual({ width: 640, height: 360 });
    // testsrc2: colour bands, a gradient and moving shapes; a blank or green frame has no spread.
    expect(second.spread).toBeGreaterThan(30);
    expect(second.colours).toBeGreaterThan(40);
    expect(second.print).not.toEqual(first.print);
    // The state table shows the H.264 viewer.
    await page.waitForFunction("document.querySelector('#state').textContent.includes('1 MSE viewers')", undefined, { timeout: 5000 });
    await page.close();
  });

  it('a viewer joining mid-stream has a picture within one keyframe interval', async () => {
    const watching = await browser.newPage();
    await watching.goto(`${base}?mode=mse`);
    await watching.waitForFunction("document.querySelector('#transport').dataset.transport === 'mse'", undefined, { timeout: 20_000 });
    // Join halfway between keyframes (the fixture cannot code one on request, so the joiner
    // waits for the next: the worst case a real encoder avoids). A viewer of the hub's own
    // counts the units since the last keyframe.
    let sinceKeyframe = -1;
    const spy = server.h264.add({
      kind: 'webrtc',
      backlogBytes: 0,
      send: (unit) => void (sinceKeyframe = unit.keyframe ? 0 : sinceKeyframe + 1),
    });
    await waitUntil('mid-interval', () => sinceKeyframe === KEYFRAME_INTERVAL / 2, 10_000, 5);
    const joiner = await browser.newPage();
    void joiner.goto(`${base}?mode=mse`);
    await waitUntil('the joiner connects', () => server.h264.stats().viewers.mse === 2, 20_000, 5);
    const unitsAtJoin = server.h264.stats().units;
    await waitUntil('a picture', () => hasPicture(joiner), 20_000, 20);
    const unitsToPicture = server.h264.stats().units - unitsAtJoin;
    // Counted in units, not seconds: the next keyframe, plus the few units decoding and polling take.
    expect(unitsToPicture).toBeLessThanOrEqual(KEYFRAME_INTERVAL + 8);
    const shown = await picture(joiner);
    expect(shown.spread).toBeGreaterThan(30);
    spy.close();
    await joiner.close();
    await watching.close();
  });

  it('MJPEG viewers beside an MSE viewer keep full rate', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}?mode=mse`);
    await page.waitForFunction("document.querySelector('#transport').dataset.transport === 'mse'", undefined, { timeout: 20_000 });
    const mjpeg = [0, 1].map(() => {
      const client = new StrictMjpegClient({ port: server.port!, path: '/stream' });
      client.keepBodies = false;
      return client;
    });
    await Promise.all(mjpeg.map((client) => client.waitForParts(3)));
    let published = 0;
    const count = (): void => void published++;
    server.on('frame', count);
    const before = mjpeg.map((client) => client.parts.length);
    await sleep(3000);
    server.off('frame', count);
    const received = mjpeg.map((client, i) => client.parts.length - before[i]!);
    expect(published).toBeGreaterThanOrEqual(20);
    // Every frame the hub published reached each MJPEG viewer (one may be in flight at either end).
    for (const got of received) expect(got).toBeGreaterThanOrEqual(published - 2);
    expect(await hasPicture(page)).toBe(true);
    expect(server.h264.stats().viewers.mse).toBe(1);
    for (const client of mjpeg) client.close();
    await page.close();
  });
});

describe('the page when H.264 fails', () => {
  it('falls back to MJPEG and says why each H.264 transport failed', async () => {
    // lavfi refuses a rate of 0: the producer is offered, and its stream fails at once.
    const failing = createServer({ source, h264: new FfmpegH264Producer({ width: 320, height: 240, fps: 0 }) });
    await failing.listen({ port: 0 });
    try {
      const page = await browser.newPage();
      await page.route('**/whep', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"ok":false}' }));
      await page.goto(`http://127.0.0.1:${failing.port}/`);
      await page.waitForFunction("document.querySelector('#stream')?.naturalWidth === 320", undefined, { timeout: 20_000 });
      expect(await page.locator('#transport').getAttribute('data-transport')).toBe('mjpeg');
      expect(await page.locator('#transport').textContent()).toMatch(
        /^MJPEG \(WebRTC: POST whep answered 404 .*; MSE: the WebSocket closed \(1011 H\.264 failed: ffmpeg exited/,
      );
      expect(await page.locator('#video').isHidden()).toBe(true);
      await page.close();
    } finally {
      await failing.close();
    }
  });
});

describe('the page without H.264', () => {
  it('is MJPEG alone and says why', async () => {
    // The Camera codes H.264 unless told not to.
    const camera = await openCamera({ source: 'testsrc', width: 320, height: 240, fps: 15, workers: 1, h264: false });
    const plain = createServer({ source: camera });
    await plain.listen({ port: 0 });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${plain.port}/`);
      await page.waitForFunction("document.querySelector('#stream')?.naturalWidth === 320", undefined, { timeout: 10_000 });
      expect(await page.locator('#transport').textContent()).toMatch(/^MJPEG \(H\.264 unavailable: H\.264 is off for this camera/);
      expect(await page.locator('#video').count()).toBe(0);
      await page.close();
    } finally {
      await plain.close();
      await camera.close();
    }
  });
});
