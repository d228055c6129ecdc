// Real JPEG frames from ffmpeg's testsrc2, split at EOI markers: the stand-in source until the
// Camera's test pattern exists.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { FrameSource, SourceInfo, SourceStats } from '../../src/sources/source.js';
import type { Frame } from '../../src/types.js';

export class FfmpegSource extends EventEmitter implements FrameSource {
  readonly info: SourceInfo;
  private readonly child: ChildProcess;
  private pending = Buffer.alloc(0);
  private sequence = 0;

  constructor(width = 640, height = 480, fps = 30) {
    super();
    this.info = { kind: 'testsrc', name: 'ffmpeg-testsrc2', width, height, format: 'mjpeg', fps };
    this.child = spawn(
      'ffmpeg',
      ['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-f', 'mjpeg', '-q:v', '5', '-'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.child.stdout?.on('data', (chunk: Buffer) => this.split(chunk));
  }

  private split(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const end = this.pending.indexOf(Buffer.from([0xff, 0xd9]));
      if (end < 0) return;
      const data = Buffer.from(this.pending.subarray(0, end + 2));
      this.pending = this.pending.subarray(end + 2);
      this.emit('frame', {
        data,
        width: this.info.width,
        height: this.info.height,
        format: 'mjpeg',
        sequence: this.sequence++,
        timestamp: Number(process.hrtime.bigint()) / 1e6,
      } satisfies Frame);
    }
  }

  stats(): SourceStats {
    return { captured: this.sequence, encoded: 0, delivered: this.sequence, dropped: { busy: 0, late: 0, corrupt: 0, error: 0 }, fps: this.info.fps, encodeMs: 0 };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    for (;;) yield await new Promise<Frame>((resolve) => this.once('frame', resolve));
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}
