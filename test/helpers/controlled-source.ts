// A FrameSource the test drives by hand: it emits exactly the frames, disconnects and reconnects
// the test asks for. For features that need a deliberately controlled source (identical frames,
// a source that loses its signal); everything else runs on the real Camera.
import { EventEmitter } from 'node:events';
import jpeg from 'jpeg-js';
import type { FrameSource, SourceInfo, SourceStats } from '../../src/sources/source.js';
import type { Frame } from '../../src/types.js';

/** A real JPEG (made by jpeg-js) filled with one colour, with a marker square moved by `shade`. */
export function solidJpeg(width: number, height: number, shade: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const inSquare = Math.abs(x - ((shade * 7) % width)) < 8 && y < 16;
      data[i] = inSquare ? 255 : shade & 0xff;
      data[i + 1] = (shade * 3) & 0xff;
      data[i + 2] = 128;
      data[i + 3] = 255;
    }
  }
  return jpeg.encode({ data, width, height }, 80).data;
}

export class ControlledSource extends EventEmitter implements FrameSource {
  readonly info: SourceInfo;
  private sequence = 0;
  private delivered = 0;
  paused = false;
  pauseCalls = 0;
  resumeCalls = 0;
  closed = false;

  constructor(width = 64, height = 48) {
    super();
    this.info = { kind: 'pipe', name: 'controlled', width, height, format: 'mjpeg', fps: 0 };
  }

  /** Emits `data` as the next frame and returns it. */
  push(data: Buffer): Frame {
    const frame: Frame = {
      data,
      width: this.info.width,
      height: this.info.height,
      format: 'mjpeg',
      sequence: this.sequence++,
      timestamp: Number(process.hrtime.bigint()) / 1e6,
    };
    this.delivered += 1;
    this.emit('frame', frame);
    return frame;
  }

  disconnect(): void {
    this.emit('disconnect', Object.assign(new Error('signal lost'), { code: 'ENODEV' }));
  }

  reconnect(): void {
    this.emit('reconnect', this.info);
  }

  stats(): SourceStats {
    return {
      captured: this.delivered,
      encoded: 0,
      delivered: this.delivered,
      dropped: { busy: 0, late: 0, corrupt: 0, error: 0 },
      fps: 0,
      encodeMs: 0,
    };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    while (!this.closed) {
      yield await new Promise<Frame>((resolve) => this.once('frame', resolve));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The same, plus the pause()/resume() hooks the hub uses to stop work nobody watches. */
export class PausableControlledSource extends ControlledSource {
  pause(): void {
    this.paused = true;
    this.pauseCalls += 1;
  }

  resume(): void {
    this.paused = false;
    this.resumeCalls += 1;
  }
}
