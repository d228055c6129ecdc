// Debian's Chromium, headless, shows the page at `/` with the live stream at its natural size.
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startCli, type RunningCli } from '../helpers/cli.js';

let cli: RunningCli;
let browser: Browser;

beforeAll(async () => {
  ensureBuilt();
  cli = await startCli(['--source', 'testsrc', '--resolution', '640x480', '--fps', '15', '--workers', '1', '--port', '0']);
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
});

afterAll(async () => {
  await browser?.close();
  await cli?.stop();
});

describe('the page in Chromium', () => {
  it('shows the stream at its natural size, updating, with the live state', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(cli.base);
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
    const readSequence = async (): Promise<number> => Number(await page.locator('#state tr:has(th:text-is("sequence")) td').textContent({ timeout: 5000 }));
    await page.waitForSelector('#state tr');
    const s1 = await readSequence();
    await page.waitForTimeout(1500);
    const s2 = await readSequence();
    expect(s2).toBeGreaterThan(s1);
    expect(await page.locator('#state').textContent()).toContain('testsrc');
    await page.close();
  });
});
