// µStreamer's command line onto turbocam's own options: one table, one row per µStreamer option,
// each either mapped, accepted as what turbocam always does, or refused by name (exit 2). Parsing
// follows getopt_long as µStreamer uses it: `--opt VALUE`, `--opt=VALUE`, unambiguous prefixes,
// `-x VALUE`, `-xVALUE` and bundled short flags.
import { TurbocamError } from '../errors.js';

type Map = (value: string, state: TranslationState) => string[];

interface OptionSpec {
  short?: string;
  /** Whether the option takes a value. */
  value: boolean;
  /** turbocam arguments for it; absent when `unsupported` is set. */
  map?: Map;
  /** Why turbocam cannot honour it: the option exits 2 with this. */
  unsupported?: string;
}

interface TranslationState {
  format: string | undefined;
  encoder: string | undefined;
  user: string | undefined;
  passwd: string | undefined;
  persistent: boolean;
  exitOnDeviceError: boolean;
  processTitle: string | undefined;
  warnings: string[];
}

export interface UstreamerTranslation {
  /** turbocam's own argv. */
  argv: string[];
  /** Lines worth saying on stderr (where µStreamer would have behaved a little differently). */
  warnings: string[];
  /** --process-name-prefix, for process.title. */
  processTitle: string | undefined;
  help: boolean;
}

function bad(message: string): Error {
  return new TurbocamError('ERR_BAD_FLAG', message);
}

const same =
  (flag: string): Map =>
  (value) => [flag, value];
const nothing: Map = () => [];

// µStreamer's upper-case format names (its --format) onto turbocam's.
const FORMATS: Record<string, string> = {
  YUYV: 'yuyv',
  UYVY: 'uyvy',
  NV12: 'nv12',
  YUV420: 'i420',
  RGB24: 'rgb24',
  BGR24: 'bgr24',
  GREY: 'grey',
  MJPEG: 'mjpeg',
  JPEG: 'mjpeg',
};

// µStreamer's image controls and the V4L2 names turbocam's --control uses for them.
const CONTROLS: Record<string, { name: string; auto?: string }> = {
  brightness: { name: 'brightness', auto: 'brightness_automatic' },
  contrast: { name: 'contrast' },
  saturation: { name: 'saturation' },
  hue: { name: 'hue', auto: 'hue_automatic' },
  gamma: { name: 'gamma' },
  sharpness: { name: 'sharpness' },
  'backlight-compensation': { name: 'backlight_compensation' },
  'white-balance': { name: 'white_balance_temperature', auto: 'white_balance_automatic' },
  gain: { name: 'gain', auto: 'gain_automatic' },
  'color-effect': { name: 'color_effects' },
  rotate: { name: 'rotate' },
  'flip-vertical': { name: 'vertical_flip' },
  'flip-horizontal': { name: 'horizontal_flip' },
};

function control(option: string): Map {
  const spec = CONTROLS[option]!;
  return (value) => {
    const v = value.trim().toLowerCase();
    if (v === 'default') return ['--control', `${spec.name}=default`];
    if (v === 'auto') {
      if (spec.auto === undefined) throw bad(`--${option} has no auto mode`);
      return ['--control', `${spec.auto}=1`];
    }
    if (!/^-?\d+$/.test(v)) throw bad(`--${option} wants a number${spec.auto === undefined ? '' : ', auto'} or default, got '${value}'`);
    // Only the value: µStreamer also turns an automatic mode off where the device has one, but
    // most devices lack it and turbocam's --control refuses unknown names.
    return ['--control', `${spec.name}=${v}`];
  };
}

const NO_SINKS = 'memory sinks (jpeg/raw/h264) are not supported';
const NO_H264 = 'H.264 is not supported';

/** µStreamer's encoder names (and its aliases for them) as turbocam's --encoder. */
const USTREAMER_ENCODERS: Record<string, string> = {
  CPU: 'cpu',
  'M2M-IMAGE': 'm2m-image',
  'M2M-JPEG': 'm2m-image',
  OMX: 'm2m-image',
  'M2M-VIDEO': 'm2m-video',
  'M2M-MJPEG': 'm2m-video',
};

export const USTREAMER_OPTIONS: Record<string, OptionSpec> = {
  device: { short: 'd', value: true, map: same('--device') },
  input: { short: 'i', value: true, map: same('--input') },
  resolution: { short: 'r', value: true, map: same('--resolution') },
  format: {
    short: 'm',
    value: true,
    map: (value, state) => {
      const format = FORMATS[value.toUpperCase()];
      if (format === undefined) throw bad(`--format ${value} is not supported (turbocam takes ${Object.keys(FORMATS).join(', ')})`);
      state.format = format;
      return [];
    },
  },
  'format-swap-rgb': { value: false, unsupported: 'swapping RGB channels is not supported' },
  'tv-standard': {
    short: 'a',
    value: true,
    map: (value) => {
      if (value.toUpperCase() !== 'DEFAULT') throw bad(`--tv-standard ${value} is not supported (analogue TV standards; DEFAULT only)`);
      return [];
    },
  },
  'io-method': {
    short: 'I',
    value: true,
    map: (value) => {
      if (value.toUpperCase() !== 'MMAP') throw bad(`--io-method ${value} is not supported (turbocam captures through MMAP)`);
      return [];
    },
  },
  'desired-fps': {
    short: 'f',
    value: true,
    map: (value, state) => {
      if (value.trim() === '0') {
        state.warnings.push("--desired-fps 0 (the device's maximum): turbocam asks for its default, 30 fps");
        return [];
      }
      return ['--fps', value];
    },
  },
  'min-frame-size': { short: 'z', value: true, unsupported: 'turbocam validates frames by their JPEG markers, not a minimum size' },
  'allow-truncated-frames': { short: 'T', value: false, map: () => ['--allow-truncated-frames'] },
  persistent: {
    short: 'n',
    value: false,
    map: (_value, state) => {
      state.persistent = true;
      return [];
    },
  },
  // turbocam adopts an input's detected DV timings whenever it has them.
  'dv-timings': { short: 't', value: false, map: nothing },
  buffers: { short: 'b', value: true, map: same('--buffers') },
  workers: { short: 'w', value: true, map: same('--workers') },
  quality: { short: 'q', value: true, map: same('--quality') },
  encoder: {
    short: 'c',
    value: true,
    map: (value, state) => {
      const encoder = value.toUpperCase();
      if (encoder === 'HW') {
        state.encoder = encoder;
        return [];
      }
      const ours = USTREAMER_ENCODERS[encoder];
      if (ours === undefined) throw bad(`--encoder ${value} is not supported (${Object.keys(USTREAMER_ENCODERS).join(', ')} or HW)`);
      return ['--encoder', ours];
    },
  },
  // Deprecated in µStreamer, which ignores them too.
  'glitched-resolutions': { short: 'g', value: true, map: nothing },
  blank: { short: 'k', value: true, map: nothing },
  'last-as-blank': { short: 'K', value: true, map: nothing },
  // turbocam's idle pause already stops encoding while nobody watches (--pause-after).
  slowdown: { short: 'l', value: false, map: nothing },
  'device-timeout': { value: true, map: same('--device-timeout') },
  'device-error-delay': { value: true, map: same('--retry-interval') },
  'm2m-device': { value: true, map: same('--encoder-device') },

  'image-default': { value: false, map: () => ['--image-default'] },
  ...Object.fromEntries(Object.keys(CONTROLS).map((name) => [name, { value: true, map: control(name) }])),

  host: { short: 's', value: true, map: same('--host') },
  port: { short: 'p', value: true, map: same('--port') },
  unix: { short: 'U', value: true, map: same('--unix') },
  // turbocam always replaces a stale socket file (and refuses a live one).
  'unix-rm': { short: 'D', value: false, map: nothing },
  'unix-mode': { short: 'M', value: true, map: same('--unix-mode') },
  // A systemd-passed socket is used whenever there is one.
  systemd: { short: 'S', value: false, map: nothing },
  user: {
    value: true,
    map: (value, state) => {
      state.user = value;
      return [];
    },
  },
  passwd: {
    value: true,
    map: (value, state) => {
      state.passwd = value;
      return [];
    },
  },
  static: { value: true, map: same('--static') },
  'drop-same-frames': { short: 'e', value: true, map: same('--drop-same-frames') },
  'allow-origin': { value: true, map: same('--allow-origin') },
  'instance-id': { value: true, map: same('--instance') },
  'fake-resolution': { short: 'R', value: true, unsupported: 'reporting a fake resolution is not supported' },
  // Node's HTTP server sets TCP_NODELAY on every connection.
  'tcp-nodelay': { value: false, map: nothing },
  'server-timeout': { value: true, map: same('--server-timeout') },

  ...Object.fromEntries(
    ['jpeg', 'raw', 'h264'].flatMap((kind) =>
      ['', '-mode', '-client-ttl', '-timeout'].map((suffix) => [`${kind}-sink${suffix}`, { value: true, unsupported: NO_SINKS }]),
    ),
  ),
  ...Object.fromEntries(['jpeg', 'raw', 'h264'].map((kind) => [`${kind}-sink-rm`, { value: false, unsupported: NO_SINKS }])),
  sink: { value: true, unsupported: NO_SINKS },
  'sink-mode': { value: true, unsupported: NO_SINKS },
  'sink-rm': { value: false, unsupported: NO_SINKS },
  'sink-client-ttl': { value: true, unsupported: NO_SINKS },
  'sink-timeout': { value: true, unsupported: NO_SINKS },
  'h264-bitrate': { value: true, unsupported: NO_H264 },
  'h264-gop': { value: true, unsupported: NO_H264 },
  'h264-m2m-device': { value: true, unsupported: NO_H264 },
  'h264-preset': { value: true, unsupported: NO_H264 },
  'h264-hwenc': { value: true, unsupported: NO_H264 },
  'h264-hwenc-fallback': { value: false, unsupported: NO_H264 },
  v4p: { value: false, unsupported: 'DRM output is not supported' },
  ...Object.fromEntries(
    ['gpio-device', 'gpio-consumer-prefix', 'gpio-prog-running', 'gpio-stream-online', 'gpio-has-http-clients'].map((name) => [
      name,
      { value: true, unsupported: 'GPIO signalling is not supported' },
    ]),
  ),

  'exit-on-parent-death': { value: false, map: () => ['--exit-on-parent-death'] },
  'exit-on-device-error': {
    value: false,
    map: (_value, state) => {
      state.exitOnDeviceError = true;
      return [];
    },
  },
  'exit-on-no-clients': { value: true, unsupported: 'exiting when idle is not supported' },
  'process-name-prefix': {
    value: true,
    map: (value, state) => {
      state.processTitle = value;
      return [];
    },
  },
  'notify-parent': { value: false, unsupported: 'notifying the parent process is not supported' },

  'log-level': {
    value: true,
    map: (value) => {
      const level = { '0': 'info', '1': 'info', '2': 'debug', '3': 'debug' }[value.trim()];
      if (level === undefined) throw bad(`--log-level wants 0..3, got '${value}'`);
      return ['--log-level', level];
    },
  },
  perf: { value: false, map: () => ['--log-level', 'debug'] },
  verbose: { value: false, map: () => ['--log-level', 'debug'] },
  debug: { value: false, map: () => ['--log-level', 'debug'] },
  'force-log-colors': { value: false, map: nothing },
  'no-log-colors': { value: false, map: nothing },

  help: { short: 'h', value: false, map: nothing },
  version: { short: 'v', value: false, map: () => ['--version'] },
  features: { value: false, unsupported: 'there are no build features to list' },
};

const BY_SHORT = new Map(
  Object.entries(USTREAMER_OPTIONS).flatMap(([name, spec]) => (spec.short === undefined ? [] : [[spec.short, name] as const])),
);

function longOption(given: string): string {
  if (USTREAMER_OPTIONS[given] !== undefined) return given;
  const matches = Object.keys(USTREAMER_OPTIONS).filter((name) => name.startsWith(given));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw bad(`--${given} is ambiguous (${matches.map((m) => `--${m}`).join(', ')})`);
  throw bad(`unknown µStreamer option --${given}`);
}

/** Translates µStreamer's argv into turbocam's; throws ERR_BAD_FLAG naming the option. */
export function translateUstreamerArgs(argv: string[]): UstreamerTranslation {
  const state: TranslationState = {
    format: undefined,
    encoder: undefined,
    user: undefined,
    passwd: undefined,
    persistent: false,
    exitOnDeviceError: false,
    processTitle: undefined,
    warnings: [],
  };
  const out: string[] = [];
  let help = false;
  const apply = (name: string, value: string): void => {
    const spec = USTREAMER_OPTIONS[name]!;
    if (spec.unsupported !== undefined) throw bad(`--${name}: ${spec.unsupported}`);
    if (name === 'help') help = true;
    out.push(...spec.map!(value, state));
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = longOption(eq === -1 ? arg.slice(2) : arg.slice(2, eq));
      const spec = USTREAMER_OPTIONS[name]!;
      let value = '';
      if (spec.value) {
        if (eq !== -1) value = arg.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i]!;
        else throw bad(`--${name} wants a value`);
      } else if (eq !== -1) {
        throw bad(`--${name} takes no value`);
      }
      apply(name, value);
    } else if (arg.startsWith('-') && arg.length > 1 && arg !== '--') {
      // Bundled short options: flags run on until one that takes a value, which takes the rest.
      for (let j = 1; j < arg.length; j += 1) {
        const name = BY_SHORT.get(arg[j]!);
        if (name === undefined) throw bad(`unknown µStreamer option -${arg[j]!}`);
        const spec = USTREAMER_OPTIONS[name]!;
        if (!spec.value) {
          apply(name, '');
          continue;
        }
        let value = arg.slice(j + 1);
        if (value === '') {
          if (i + 1 >= argv.length) throw bad(`-${arg[j]!} (--${name}) wants a value`);
          value = argv[++i]!;
        }
        apply(name, value);
        break;
      }
    } else {
      throw bad(`unexpected argument '${arg}' (µStreamer takes options only)`);
    }
  }

  if (state.encoder === 'HW') {
    // HW: the camera's own JPEG, passed through. µStreamer falls back to CPU for raw formats.
    if (state.format === undefined) state.format = 'mjpeg';
    else if (state.format !== 'mjpeg') state.warnings.push(`--encoder HW needs --format MJPEG: encoding ${state.format} on the CPU`);
  }
  if (state.format !== undefined) out.push('--format', state.format);
  if (state.user !== undefined || state.passwd !== undefined) {
    if (state.user === undefined || state.user === '' || state.passwd === undefined || state.passwd === '')
      throw bad('--user and --passwd go together, neither empty');
    out.push('--auth', `${state.user}:${state.passwd}`);
  }
  // µStreamer never gives up on its device unless told to: it waits for it and reopens it.
  if (!state.exitOnDeviceError) out.push('--persistent');
  return { argv: out, warnings: state.warnings, processTitle: state.processTitle, help };
}

export const USTREAMER_USAGE = `Usage: turbocam-ustreamer [µStreamer options]

turbocam under µStreamer's command line: install it as \`ustreamer\` and tools that launch
µStreamer (crowsnest, PiKVM-style scripts) start turbocam instead. Each option maps onto turbocam's
own (see turbocam --help); options turbocam cannot honour exit 2 naming the option.

Mapped: --device/-d, --input/-i, --resolution/-r, --format/-m (${Object.keys(FORMATS).join(', ')}),
  --desired-fps/-f, --allow-truncated-frames/-T, --persistent/-n, --buffers/-b, --workers/-w, --quality/-q, --encoder/-c (CPU,
  M2M-IMAGE, M2M-VIDEO, their aliases M2M-JPEG, M2M-MJPEG, OMX, or HW = the camera's MJPEG passed
  through), --m2m-device, --device-timeout, --device-error-delay, --image-default,
  --${Object.keys(CONTROLS).join(', --')} (N, auto or default),
  --host/-s, --port/-p, --unix/-U, --unix-mode/-M, --user + --passwd, --static, --drop-same-frames/-e,
  --allow-origin, --instance-id, --server-timeout, --exit-on-parent-death, --exit-on-device-error,
  --process-name-prefix, --log-level (0..3), --perf, --verbose, --debug, --help/-h, --version/-v
Always so in turbocam (accepted): --dv-timings/-t, --slowdown/-l, --unix-rm/-D, --systemd/-S,
  --tcp-nodelay, --io-method MMAP, --tv-standard DEFAULT, --force-log-colors, --no-log-colors;
  ignored as in µStreamer: --glitched-resolutions, --blank, --last-as-blank
Refused: other encoders, sinks, H.264, --fake-resolution, --min-frame-size,
  --format-swap-rgb, GPIO, --v4p, --exit-on-no-clients, --notify-parent,
  --features

A manual control value does not switch that control's automatic mode off as µStreamer does.
Unlike µStreamer, turbocam rides out device errors in --persistent mode only; this command passes
--persistent unless --exit-on-device-error is given, so it keeps retrying as µStreamer does.
`;
