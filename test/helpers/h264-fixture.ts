// An H264Producer fed by ffmpeg (libx264, Constrained Baseline, an access unit delimiter before
// each unit), for testing the H.264 hub, WHEP and MSE without the native encoder. ffmpeg's
// lavfi test source runs in real time (-re), so units arrive at the given rate.
import { spawn, type ChildProcess } from 'node:child_process';
import { noH264Stats, type H264Availability, type H264Producer, type H264Stats, type H264Unit } from '../../src/sources/h264-source.js';

export interface FixtureOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Frames from one IDR to the next. */
  keyframeInterval?: number;
}

const AUD = Buffer.from([0, 0, 0, 1, 9]);

/** True when the unit holds an IDR slice (NAL type 5). */
function hasIdr(unit: Buffer): boolean {
  for (let i = 0; i + 3 < unit.length; i++) {
    if (unit[i] === 0 && unit[i + 1] === 0 && unit[i + 2] === 1 && (unit[i + 3]! & 0x1f) === 5) return true;
  }
  return false;
}

export class FfmpegH264Producer implements H264Producer {
  readonly h264Availability: H264Availability = { available: true, encoder: 'ffmpeg libx264 (test fixture)' };
  /** Keyframe requests heard; ffmpeg cannot be asked for one, so they are only counted. */
  keyframeRequests = 0;
  private child: ChildProcess | undefined;
  private stats: H264Stats = noH264Stats();

  constructor(private readonly options: FixtureOptions = {}) {}

  startH264(onUnit: (unit: H264Unit) => void, onError: (error: Error) => void): void {
    if (this.child) throw new Error('already started');
    const { width = 640, height = 360, fps = 30, keyframeInterval = 30 } = this.options;
    const child = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`],
        ...['-c:v', 'libx264', '-profile:v', 'baseline', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
        ...['-g', String(keyframeInterval), '-bf', '0', '-x264-params', 'aud=1:repeat-headers=1', '-f', 'h264', 'pipe:1'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.stats.running = true;
    let pending = Buffer.alloc(0);
    let sequence = 0;
    let started = false;
    const emit = (unit: Buffer): void => {
      const keyframe = hasIdr(unit);
      if (!started && !keyframe) return;
      started = true;
      this.stats.units++;
      this.stats.bytes += unit.length;
      if (keyframe) this.stats.keyframes++;
      onUnit({ data: unit, keyframe, timestamp: performance.now(), sequence: sequence++ });
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // A unit ends where the next delimiter begins.
      for (;;) {
        const next = pending.indexOf(AUD, 1);
        if (next < 0) break;
        emit(pending.subarray(0, next));
        pending = pending.subarray(next);
      }
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (this.child === child && signal === null) onError(new Error(`ffmpeg exited ${code}: ${stderr.trim()}`));
    });
  }

  stopH264(): void {
    const child = this.child;
    this.child = undefined;
    this.stats.running = false;
    child?.stdout?.removeAllListeners('data');
    child?.kill('SIGKILL');
  }

  requestKeyframe(): void {
    this.keyframeRequests++;
  }

  h264Stats(): H264Stats {
    return { ...this.stats, dropped: { ...this.stats.dropped } };
  }
}
