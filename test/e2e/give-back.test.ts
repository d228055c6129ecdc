// A hub with giveBack (the CLI's): each source frame is handed back exactly once, never while the
// hub still holds it or a client is still writing it, and on a real camera the JPEG pool then
// never runs dry, where leaving the buffers to V8 lets dead Buffers hold the whole pool between
// mark-compacts.
import { connect } from 'node:net';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { openCamera } from '../../src/camera.js';
import type { Frame } from '../../src/types.js';
import { ControlledSource, solidJpeg } from '../helpers/controlled-source.js';
import { StrictMjpegClient } from '../helpers/mjpeg-client.js';
import { serverFixture } from '../helpers/server.js';
import { sleep, waitUntil } from '../helpers/wait.js';

const fixture = serverFixture();

/** Bytes between an SOI and an EOI marker: a part the strict client takes as a JPEG. */
function framedAsJpeg(bytes: Buffer): Buffer {
  bytes.writeUInt16BE(0xffd8, 0);
  bytes.writeUInt16BE(0xffd9, bytes.length - 2);
  return bytes;
}

describe('giveBack', () => {
  it('gives each frame back once, after the hub and every client writing it are done', async () => {
    const source = new ControlledSource(64, 48);
    const given: Frame[] = [];
    const server = await fixture.start({ source, refreshMs: 0, giveBack: (frame) => given.push(frame) });
    const port = server.port ?? 0;
    const reader = new StrictMjpegClient({ port });
    // A viewer that never reads: a frame far larger than the socket's buffers stays in flight.
    const stuck = connect(port, '127.0.0.1');
    stuck.pause();
    stuck.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil('both clients registered', () => server.clientCount === 2);

    const large = source.push(framedAsJpeg(Buffer.alloc(8 << 20, 7)));
    await reader.waitForParts(1);
    const middle = source.push(solidJpeg(64, 48, 10));
    await reader.waitForParts(2);
    const newest = source.push(solidJpeg(64, 48, 200));
    await reader.waitForParts(3);
    // `middle` was only pending for the stuck viewer, and the hub moved on: given back. `large` is
    // still being written to the stuck viewer, `newest` is the hub's.
    await waitUntil('the middle frame given back', () => given.includes(middle));
    expect(given).toEqual([middle]);

    stuck.destroy();
    await waitUntil('the stuck viewer gone', () => server.clientCount === 1);
    await waitUntil('the large frame given back', () => given.includes(large));
    expect(given).toEqual([middle, large]);
    expect(given).not.toContain(newest);
    reader.close();
  });

  it('keeps a frame a snapshot is sending until the response is done', async () => {
    const source = new ControlledSource(64, 48);
    const given: Frame[] = [];
    const server = await fixture.start({ source, refreshMs: 0, giveBack: (frame) => given.push(frame) });
    const first = source.push(solidJpeg(64, 48, 30));
    const response = await fetch(`http://127.0.0.1:${server.port}/snapshot`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(first.data)).toBe(true);
    source.push(solidJpeg(64, 48, 60));
    await waitUntil('the snapshot frame given back', () => given.includes(first));
    expect(given).toEqual([first]);
  });

  it("keeps a 640x480 camera's JPEG pool from running dry: every frame back at once, no copies", async () => {
    const camera = await openCamera({ source: 'testsrc', width: 640, height: 480, fps: 30, workers: 2 });
    try {
      const server = await fixture.start({ source: camera, giveBack: (frame) => camera.giveBack(frame) });
      const client = new StrictMjpegClient({ port: server.port ?? 0 });
      await client.waitForParts(5);
      // Without giveBack the leases climb to the pool's 34 within about a second and a half, and
      // copies begin, until a mark-compact finds the dead Buffers.
      let mostLeased = 0;
      for (let i = 0; i < 25; i++) {
        await sleep(100);
        mostLeased = Math.max(mostLeased, camera.stats().pool?.leased ?? 0);
      }
      const parts = client.parts.length;
      client.close();
      expect(parts).toBeGreaterThan(40);
      expect(camera.stats().pool?.copies).toBe(0);
      expect(mostLeased).toBeLessThanOrEqual(8);
      // The bytes the client got were not overwritten by later frames while in flight.
      const last = client.parts.at(-1)!.body;
      const image = jpeg.decode(last, { useTArray: true });
      expect([image.width, image.height]).toEqual([640, 480]);
      for (const part of client.parts)
        expect(part.body.subarray(0, 2).toString('hex') + part.body.subarray(-2).toString('hex')).toBe('ffd8ffd9');
    } finally {
      await camera.close();
    }
  });
});
