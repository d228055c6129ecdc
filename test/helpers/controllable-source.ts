// A FrameSource with camera controls, for the HTTP controls tests on machines without a camera:
// its frames are solid JPEGs whose red channel is the `brightness` control, so a change made over
// HTTP shows in the pixels a client receives. The real device's controls are tested on vivid.
import type { CameraControls, ControlInfo } from '../../src/sources/source.js';
import { TurbocamError } from '../../src/errors.js';
import { ControlledSource, solidJpeg } from './controlled-source.js';

function control(
  name: string,
  id: number,
  type: ControlInfo['type'],
  min: number,
  max: number,
  step: number,
  value: number,
  extra: Partial<ControlInfo> = {},
): ControlInfo {
  return { name, id, type, min, max, step, default: value, value, flags: { readOnly: false, inactive: false, disabled: false }, ...extra };
}

export class ControllableSource extends ControlledSource {
  readonly values = new Map<string, ControlInfo>();
  /** Names whose set() the "device" refuses, as a driver may at run time. */
  readonly failing = new Set<string>();
  readonly sets: Array<[string, number]> = [];
  readonly controls: CameraControls;
  private pump: NodeJS.Timeout | undefined;

  constructor(width = 64, height = 48) {
    super(width, height);
    for (const c of [
      control('brightness', 0x00980900, 'integer', 0, 255, 1, 128),
      control('contrast', 0x00980901, 'integer', 0, 100, 5, 50),
      control('horizontal_flip', 0x00980914, 'boolean', 0, 1, 1, 0),
      // Item 3 is missing, as drivers may skip menu items.
      control('power_line_frequency', 0x00980918, 'menu', 0, 3, 1, 1, { menu: { 0: 'Disabled', 1: '50 Hz', 2: '60 Hz' } }),
      control('exposure_time_absolute', 0x009a0902, 'integer', 1, 5000, 1, 156),
      control('read_only_value', 0x00980a00, 'integer', 0, 10, 1, 3, { flags: { readOnly: true, inactive: false, disabled: false } }),
      control('osd_text', 0x00980a01, 'string', 0, 32, 1, 0, { value: null }),
    ]) {
      this.values.set(c.name, c);
    }
    const find = (name: string): ControlInfo => {
      const c = this.values.get(name);
      if (c === undefined) throw new TurbocamError('ERR_INVALID_ARG', `unknown control '${name}'`);
      return c;
    };
    this.controls = {
      list: async () => [...this.values.values()].map((c) => ({ ...c, flags: { ...c.flags } })),
      get: async (name) => find(name).value ?? 0,
      set: async (name, value) => {
        const c = find(name);
        if (this.failing.has(name)) throw new TurbocamError('EIO', `${name}: device refused`);
        this.sets.push([name, Number(value)]);
        c.value = Number(value);
      },
    };
  }

  /** Emits a frame of the current brightness every `intervalMs` until close(). */
  start(intervalMs = 40): void {
    this.pump = setInterval(
      () => this.push(solidJpeg(this.info.width, this.info.height, this.values.get('brightness')?.value ?? 0)),
      intervalMs,
    );
  }

  override async close(): Promise<void> {
    clearInterval(this.pump);
    await super.close();
  }
}
