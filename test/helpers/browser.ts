// Debian's Chromium through playwright-core, and reading back what it painted.
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with nothing of its own on the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** The RGB of pixels of the image `selector` names, as Chromium's own decoder painted it, read
 *  through a canvas. A negative coordinate counts from the right or bottom edge. */
export async function samplePixels(page: Page, selector: string, points: Array<[x: number, y: number]>): Promise<number[][]> {
  return (await page.evaluate(`(() => {
    const img = document.querySelector(${JSON.stringify(selector)});
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    return ${JSON.stringify(points)}.map(([x, y]) =>
      Array.from(context.getImageData(x < 0 ? canvas.width + x : x, y < 0 ? canvas.height + y : y, 1, 1).data.slice(0, 3)));
  })()`)) as number[][];
}
