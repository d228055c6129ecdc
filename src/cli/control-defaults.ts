// Controls put back to their defaults after the source opens: `--control NAME=default` (the
// control must exist) and `--image-default` (µStreamer's picture controls, those the device has).
import { TurbocamError } from '../errors.js';
import { sourceControls, type FrameSource } from '../sources/source.js';

/** µStreamer's --image-default set, by V4L2 name. */
export const IMAGE_CONTROLS = [
  'brightness',
  'contrast',
  'saturation',
  'hue',
  'gamma',
  'sharpness',
  'backlight_compensation',
  'white_balance_temperature',
  'gain',
  'color_effects',
  'rotate',
  'vertical_flip',
  'horizontal_flip',
];

/**
 * Sets each named control to its default; with `image`, also every IMAGE_CONTROLS entry the
 * device offers that was not given a value of its own (`explicit`). Answers the names it reset.
 */
export async function applyControlDefaults(source: FrameSource, names: string[], image: boolean, explicit: string[]): Promise<string[]> {
  if (names.length === 0 && !image) return [];
  const controls = sourceControls(source);
  if (controls === undefined) throw new TurbocamError('ERR_INVALID_ARG', `${source.info.name} has no controls to reset`);
  const list = await controls.list();
  const byName = new Map(list.map((c) => [c.name, c]));
  const wanted = new Set(names);
  for (const name of names) {
    if (!byName.has(name))
      throw new TurbocamError('ERR_INVALID_ARG', `unknown control '${name}' (known: ${list.map((c) => c.name).join(', ')})`, {
        path: source.info.name,
      });
  }
  if (image) for (const name of IMAGE_CONTROLS) if (byName.has(name) && !explicit.includes(name)) wanted.add(name);
  const reset: string[] = [];
  for (const name of wanted) {
    const c = byName.get(name)!;
    if (c.flags.readOnly || c.flags.inactive || c.value === c.default) continue;
    await controls.set(name, c.default);
    reset.push(name);
  }
  return reset;
}
