// Debian's Chromium, headless, shows the page at `/` with the live stream at its natural size.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, samplePixels } from '../helpers/browser.js';
import { ensureBuilt, startCli, type RunningCli } from '../helpers/cli.js';
import { barJpegs, withoutEoi, writePaced } from '../helpers/mjpeg-frames.js';

let cli: RunningCli;
let browser: Browser;

beforeAll(async () => {
  ensureBuilt();
  cli = await startCli(['--source', 'testsrc', '--resolution', '640x480', '--fps', '15', '--workers', '1', '--port', '0']);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cli?.stop();
});

describe('the page in Chromium', () => {
  it('shows the stream at its natural size, updating, with the live state', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    // The MJPEG view (the source codes H.264 too, so the page would play that first).
    await page.goto(`${cli.base}?mode=mjpeg`);
    await page.waitForFunction("document.querySelector('#stream')?.naturalWidth === 640", undefined, { timeout: 10_000 });
    type Img = { naturalWidth: number; naturalHeight: number; getBoundingClientRect(): { width: number; height: number } };
    const size = await page.$eval('#stream', (element) => {
      const img = element as unknown as Img;
      const box = img.getBoundingClientRect();
      return { naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, width: box.width, height: box.height };
    });
    expect(size).toEqual({ naturalWidth: 640, naturalHeight: 480, width: 640, height: 480 });
    const image = page.locator('#stream');
    const first = await image.screenshot();
    await page.waitForTimeout(700);
    const second = await image.screenshot();
    expect(first.equals(second)).toBe(false);
    // The state table follows the stream's sequence.
    const readSequence = async (): Promise<number> =>
      Number(await page.locator('#state tr:has(th:text-is("sequence")) td').textContent({ timeout: 5000 }));
    await page.waitForSelector('#state tr');
    const s1 = await readSequence();
    await page.waitForTimeout(1500);
    const s2 = await readSequence();
    expect(s2).toBeGreaterThan(s1);
    expect(await page.locator('#state').textContent()).toContain('testsrc');
    await page.close();
  });
});

describe('an EOI-less camera in Chromium', () => {
  it('shows every repaired frame as the colour bars', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'turbocam-browser-')), 'camera.fifo');
    execFileSync('mkfifo', [fifo]);
    const camera = await startCli(['--source', fifo, '--format', 'mjpeg', '--port', '0', '--pause-after', '600', '--h264-encoder', 'none']);
    const writer = writePaced(fifo, barJpegs(25).map(withoutEoi), 15, 1000);
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    try {
      await page.goto(camera.base);
      await page.waitForFunction("document.querySelector('#stream')?.naturalWidth === 320", undefined, { timeout: 10_000 });
      // Chromium's own decoder: the centres of the 320x240 frame's eight bars, a quarter down,
      // over several frames as they arrive.
      const centres = Array.from({ length: 8 }, (_, bar): [number, number] => [Math.floor(((bar + 0.5) * 320) / 8), 240 / 4]);
      for (let i = 0; i < 5; i++) {
        const bars = await samplePixels(page, '#stream', centres);
        const expected = [
          [1, 1, 1],
          [1, 1, 0],
          [0, 1, 1],
          [0, 1, 0],
          [1, 0, 1],
          [1, 0, 0],
          [0, 0, 1],
          [0, 0, 0],
        ];
        bars.forEach((rgb, bar) =>
          rgb.forEach((value, c) => expect(expected[bar]![c] === 1 ? value > 140 : value < 70, `bar ${bar}: ${rgb.join(',')}`).toBe(true)),
        );
        await page.waitForTimeout(200);
      }
      const state = JSON.parse(await (await page.request.get(`${camera.base}state`)).text()) as {
        result: { source: { repaired: number; dropped: { corrupt: number } } };
      };
      expect(state.result.source.repaired).toBeGreaterThan(5);
      expect(state.result.source.dropped.corrupt).toBe(0);
    } finally {
      await page.close();
      writer.stop();
      await camera.stop();
    }
  });
});
