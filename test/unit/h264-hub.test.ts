// The H.264 hub against a real H.264 stream (ffmpeg/libx264 through the fixture producer): each
// viewer starts at a keyframe, a late joiner gets one within an interval, a lagging viewer skips to
// the next keyframe, bursts of keyframe requests are coalesced, the producer runs only while a
// viewer exists, and its failure reaches viewers and listeners.
import { afterEach, describe, expect, it } from 'vitest';
import { H264Hub, h264ProducerOf } from '../../src/h264/hub.js';
import type { H264Viewer } from '../../src/h264/viewer.js';
import type { H264Unit } from '../../src/sources/h264-source.js';
import { FfmpegH264Producer } from '../helpers/h264-fixture.js';
import { sleep, waitFor, waitUntil } from '../helpers/wait.js';

class TestViewer implements H264Viewer {
  readonly units: H264Unit[] = [];
  backlogBytes = 0;
  ended: Error | null | undefined;
  constructor(readonly kind: 'mse' | 'webrtc' = 'mse') {}
  send(unit: H264Unit): void {
    this.units.push(unit);
  }
  end(error?: Error): void {
    this.ended = error ?? null;
  }
}

const hubs: H264Hub[] = [];
function hubFor(producer: FfmpegH264Producer, options: ConstructorParameters<typeof H264Hub>[1] = {}): H264Hub {
  const hub = new H264Hub(producer, options);
  hubs.push(hub);
  return hub;
}

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

describe('H264Hub', () => {
  it('starts the producer on the first viewer, hands it units from a keyframe on, in order', async () => {
    const producer = new FfmpegH264Producer({ width: 320, height: 240, fps: 30, keyframeInterval: 30 });
    const hub = hubFor(producer);
    expect(hub.isRunning).toBe(false);
    const viewer = new TestViewer();
    const subscription = hub.add(viewer);
    expect(hub.isRunning).toBe(true);
    expect(producer.h264Stats().running).toBe(true);
    await waitUntil('40 units', () => viewer.units.length >= 40);
    expect(viewer.units[0]!.keyframe).toBe(true);
    const sequences = viewer.units.map((unit) => unit.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    // testsrc2 at 30 fps with an IDR every 30 frames: the second keyframe is unit 30.
    expect(viewer.units.filter((unit) => unit.keyframe).length).toBeGreaterThanOrEqual(2);
    expect(viewer.units[30]!.keyframe).toBe(true);
    const stats = hub.stats();
    expect(stats).toMatchObject({ available: true, running: true, viewers: { mse: 1, webrtc: 0 }, gaps: 0, skips: 0 });
    expect(stats.units).toBeGreaterThanOrEqual(40);
    expect(stats.keyframes).toBeGreaterThanOrEqual(2);
    expect(stats.bitrateKbps).toBeGreaterThan(0);
    subscription.close();
  });

  it('a late joiner starts at a keyframe within one interval and its join asks for one', async () => {
    const producer = new FfmpegH264Producer({ width: 320, height: 240, fps: 30, keyframeInterval: 15 });
    const hub = hubFor(producer);
    const first = new TestViewer();
    hub.add(first);
    // Join between keyframes.
    await waitUntil('a mid-interval unit', () => first.units.length >= 20 && !first.units.at(-1)!.keyframe);
    const requestsBefore = producer.keyframeRequests;
    const late = new TestViewer('webrtc');
    const joinedAt = first.units.at(-1)!.sequence;
    hub.add(late);
    expect(producer.keyframeRequests).toBe(requestsBefore + 1);
    await waitUntil('the late viewer gets units', () => late.units.length >= 5);
    expect(late.units[0]!.keyframe).toBe(true);
    // ffmpeg cannot be asked for an IDR, so the late viewer waits for the next one: within 15 units.
    expect(late.units[0]!.sequence - joinedAt).toBeLessThanOrEqual(15);
    expect(hub.stats().viewers).toEqual({ mse: 1, webrtc: 1, rtsp: 0 });
    // The first viewer went on without a gap.
    const sequences = first.units.map((unit) => unit.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
  });

  it('a lagging viewer skips to the next keyframe (counted, a keyframe asked for), the others go on', async () => {
    const producer = new FfmpegH264Producer({ width: 320, height: 240, fps: 30, keyframeInterval: 10 });
    const hub = hubFor(producer, { maxBacklogBytes: 64 * 1024 });
    const fast = new TestViewer();
    const slow = new TestViewer();
    hub.add(fast);
    hub.add(slow);
    await waitUntil('a few units', () => slow.units.length >= 3 && !fast.units.at(-1)!.keyframe);
    const requests = producer.keyframeRequests;
    slow.backlogBytes = 10 * 1024 * 1024;
    const stalledAt = slow.units.length;
    const fastAt = fast.units.length;
    await waitUntil('20 more units to the fast viewer', () => fast.units.length >= fastAt + 20);
    // Past the limit nothing more was handed over, and the skip was counted and asked a keyframe.
    expect(slow.units.length).toBe(stalledAt);
    expect(hub.stats().skips).toBe(1);
    expect(hub.stats().skippedUnits).toBeGreaterThanOrEqual(20);
    expect(producer.keyframeRequests).toBeGreaterThan(requests);
    // Drained: it resumes at a keyframe, and only there.
    slow.backlogBytes = 0;
    await waitUntil('the slow viewer resumes', () => slow.units.length > stalledAt);
    expect(slow.units[stalledAt]!.keyframe).toBe(true);
    const sequences = fast.units.map((unit) => unit.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    expect(hub.stats().skips).toBe(1);
  });

  it('coalesces a burst of keyframe requests into at most one per gap', async () => {
    const producer = new FfmpegH264Producer({ width: 320, height: 240, fps: 30, keyframeInterval: 300 });
    const hub = hubFor(producer, { keyframeRequestGapMs: 1000 });
    const viewer = new TestViewer();
    const subscription = hub.add(viewer);
    await waitUntil('units', () => viewer.units.length >= 2);
    for (let i = 0; i < 50; i++) subscription.requestKeyframe();
    // One at once, one deferred to the end of the gap (ffmpeg here never honours them, so the
    // deferred one is not cancelled by a keyframe).
    expect(producer.keyframeRequests).toBe(1);
    await waitUntil('the deferred request', () => producer.keyframeRequests === 2, 5000);
    await sleep(300);
    expect(producer.keyframeRequests).toBe(2);
    expect(hub.stats()).toMatchObject({ keyframeRequests: 50, keyframeRequestsForwarded: 2 });
  });

  it('stops the producer after the last viewer leaves and starts it again for the next', async () => {
    const producer = new FfmpegH264Producer({ width: 320, height: 240, fps: 30 });
    const hub = hubFor(producer);
    const a = new TestViewer();
    const b = new TestViewer();
    const subA = hub.add(a);
    const subB = hub.add(b);
    await waitUntil('units to both', () => a.units.length >= 3 && b.units.length >= 3);
    subA.close();
    subA.close();
    expect(hub.isRunning).toBe(true);
    const stopped = waitFor(hub, 'running');
    subB.close();
    expect(await stopped).toBe(false);
    expect(hub.isRunning).toBe(false);
    expect(producer.h264Stats().running).toBe(false);
    const counted = b.units.length;
    await sleep(300);
    expect(b.units.length).toBe(counted);
    expect(hub.stats().viewers).toEqual({ mse: 0, webrtc: 0, rtsp: 0 });
    // A new viewer starts a new stream, again at a keyframe.
    const c = new TestViewer();
    hub.add(c);
    await waitUntil('units to the new viewer', () => c.units.length >= 3);
    expect(c.units[0]!.keyframe).toBe(true);
    expect(c.units[0]!.sequence).toBe(0);
  });

  it("the producer's failure ends its viewers with the error and reaches listeners", async () => {
    // lavfi refuses a rate of 0: ffmpeg exits with an error.
    const producer = new FfmpegH264Producer({ width: 320, height: 240, fps: 0 });
    const hub = hubFor(producer);
    const viewer = new TestViewer();
    const failed = waitFor<Error>(hub, 'error');
    hub.add(viewer);
    const error = await failed;
    expect(error.message).toMatch(/ffmpeg exited/);
    expect(viewer.ended).toBe(error);
    expect(hub.isRunning).toBe(false);
    expect(hub.stats()).toMatchObject({ running: false, viewers: { mse: 0, webrtc: 0 }, error: { message: error.message } });
  });

  it('without a producer it says why, and add throws ERR_H264_UNAVAILABLE', () => {
    const hub = new H264Hub(h264ProducerOf({ on() {} }));
    expect(hub.availability).toMatchObject({ available: false, encoder: null });
    expect(hub.availability.reason).toMatch(/does not code H.264/);
    expect(() => hub.add(new TestViewer())).toThrow(expect.objectContaining({ code: 'ERR_H264_UNAVAILABLE' }));
    expect(h264ProducerOf(new FfmpegH264Producer())).toBeInstanceOf(FfmpegH264Producer);
  });

  it('close ends every viewer and refuses new ones with ERR_CLOSED', async () => {
    const hub = new H264Hub(new FfmpegH264Producer({ width: 320, height: 240 }));
    const viewer = new TestViewer();
    hub.add(viewer);
    await waitUntil('a unit', () => viewer.units.length >= 1);
    hub.close();
    expect(viewer.ended).toBeNull();
    expect(hub.isRunning).toBe(false);
    expect(() => hub.add(new TestViewer())).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });
});
