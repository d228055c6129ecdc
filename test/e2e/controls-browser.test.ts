// Chromium moves the brightness slider on the index page and the stream it shows changes. The
// source is a test FrameSource whose frames carry its brightness control as their red level (the
// host has no camera); vivid's brightness over HTTP is checked in test/v4l2/http-controls.test.ts.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type TurbocamServer } from '../../src/index.js';
import { launchChromium, samplePixels } from '../helpers/browser.js';
import { ControllableSource } from '../helpers/controllable-source.js';

let browser: Browser;
let server: TurbocamServer;
const source = new ControllableSource(64, 48);

beforeAll(async () => {
  source.start(40);
  server = await serve({ source, port: 0, allowControls: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await source.close();
});

describe('controls on the page in Chromium', () => {
  it('moving the brightness slider changes the control and the picture', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    const slider = page.locator('#controls input[name="brightness"]');
    await slider.waitFor({ timeout: 10_000 });
    expect(await slider.getAttribute('type')).toBe('range');
    expect(await page.locator('#controls input[name="horizontal_flip"]').getAttribute('type')).toBe('checkbox');
    expect(await page.locator('#controls select[name="power_line_frequency"] option').allTextContents()).toEqual([
      'Disabled',
      '50 Hz',
      '60 Hz',
    ]);
    // The stream's red level, read back from the <img> the page shows.
    const red = async (): Promise<number> => (await samplePixels(page, '#stream', [[8, -8]]))[0]![0]!;
    await page.waitForFunction("document.querySelector('#stream').naturalWidth === 64", undefined, { timeout: 10_000 });
    expect(Math.abs((await red()) - 128)).toBeLessThan(10);

    // A real click near the right end of the track, as a user drags it there.
    const box = (await slider.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.95, box.y + box.height / 2);
    await expect.poll(() => source.values.get('brightness')!.value, { timeout: 10_000 }).toBeGreaterThan(220);
    const set = source.values.get('brightness')!.value!;
    await expect
      .poll(() => page.locator('#controls label:has(input[name="brightness"]) output').textContent(), { timeout: 10_000 })
      .toBe(String(set));
    await expect.poll(async () => Math.abs((await red()) - set), { timeout: 10_000 }).toBeLessThan(10);

    await page.locator('#controls input[name="horizontal_flip"]').check();
    await expect.poll(() => source.values.get('horizontal_flip')!.value, { timeout: 10_000 }).toBe(1);
    await page.locator('#controls select[name="power_line_frequency"]').selectOption({ label: '60 Hz' });
    await expect.poll(() => source.values.get('power_line_frequency')!.value, { timeout: 10_000 }).toBe(2);
    await page.close();
  });
});
