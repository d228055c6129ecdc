// µStreamer's command line onto turbocam's: every accepted option lands on the turbocam setting it
// stands for (checked through turbocam's own parser), getopt's spellings work, and every option
// turbocam cannot honour is refused with its name.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli, type CliConfig } from '../../src/cli/args.js';
import { translateUstreamerArgs, USTREAMER_OPTIONS } from '../../src/cli/ustreamer-args.js';

const dir = mkdtempSync(join(tmpdir(), 'turbocam-ustreamer-'));

function config(argv: string[]): CliConfig {
  return parseCli(translateUstreamerArgs(argv).argv);
}

describe("crowsnest's line", () => {
  it('translates unchanged into turbocam options', () => {
    const line = [
      '--host',
      '127.0.0.1',
      '--port',
      '8080',
      '--resolution',
      '640x480',
      '--desired-fps',
      '15',
      '--allow-origin',
      '*',
      '--static',
      dir,
      '--device',
      '/dev/video0',
      '--device-timeout',
      '2',
    ];
    const c = config([...line, '--format', 'MJPEG', '--encoder', 'HW', '--buffers', '3']);
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      width: 640,
      height: 480,
      fps: 15,
      allowOrigin: '*',
      staticDir: dir,
      source: '/dev/video0',
      deviceTimeoutMs: 2000,
      format: 'mjpeg',
      buffers: 3,
      persistent: true,
    });
    expect(config(line)).toMatchObject({ format: 'auto', buffers: undefined });
  });
});

// One row per accepted option: µStreamer's argv and what turbocam's configuration then holds.
const ACCEPTED: Array<[string[], Partial<CliConfig>]> = [
  [['--device', '/dev/video2'], { source: '/dev/video2' }],
  [['--input', '3'], { input: 3 }],
  [['--resolution', '1280x720'], { width: 1280, height: 720 }],
  [['--format', 'YUYV'], { format: 'yuyv' }],
  [['--format', 'UYVY'], { format: 'uyvy' }],
  [['--format', 'NV12'], { format: 'nv12' }],
  [['--format', 'YUV420'], { format: 'i420' }],
  [['--format', 'RGB24'], { format: 'rgb24' }],
  [['--format', 'BGR24'], { format: 'bgr24' }],
  [['--format', 'GREY'], { format: 'grey' }],
  [['--format', 'MJPEG'], { format: 'mjpeg' }],
  [['--format', 'JPEG'], { format: 'mjpeg' }],
  [['--tv-standard', 'DEFAULT'], {}],
  [['--io-method', 'MMAP'], {}],
  [['--desired-fps', '24'], { fps: 24 }],
  [['--desired-fps', '0'], { fps: 30 }],
  [['--persistent'], { persistent: true }],
  [['--allow-truncated-frames'], { allowTruncatedFrames: true }],
  [['--dv-timings'], {}],
  [['--buffers', '5'], { buffers: 5 }],
  [['--workers', '3'], { workers: 3 }],
  [['--quality', '55'], { quality: 55 }],
  [['--encoder', 'CPU'], { format: 'auto', encoder: 'cpu' }],
  [['--encoder', 'M2M-IMAGE'], { encoder: 'm2m-image' }],
  [['--encoder=m2m-jpeg'], { encoder: 'm2m-image' }],
  [['--encoder', 'OMX'], { encoder: 'm2m-image' }],
  [['--encoder', 'M2M-VIDEO'], { encoder: 'm2m-video' }],
  [['-c', 'M2M-MJPEG'], { encoder: 'm2m-video' }],
  [['--encoder', 'M2M-IMAGE', '--m2m-device', '/dev/video31'], { encoder: 'm2m-image', encoderDevice: '/dev/video31' }],
  [['--encoder', 'HW'], { format: 'mjpeg' }],
  [['--encoder', 'HW', '--format', 'YUYV'], { format: 'yuyv' }],
  [['--glitched-resolutions', '1x1'], {}],
  [['--blank', '/x.jpg'], {}],
  [['--last-as-blank', '0'], {}],
  [['--slowdown'], { pauseAfterMs: 3000 }],
  [['--device-timeout', '4'], { deviceTimeoutMs: 4000 }],
  [['--device-error-delay', '2'], { retryIntervalMs: 2000 }],
  [['--image-default'], { imageDefault: true }],
  [['--brightness', '50'], { controls: { brightness: 50 } }],
  [['--brightness', 'auto'], { controls: { brightness_automatic: 1 } }],
  [['--brightness', 'default'], { controlDefaults: ['brightness'] }],
  [['--contrast', '7'], { controls: { contrast: 7 } }],
  [['--saturation', '8'], { controls: { saturation: 8 } }],
  [['--hue', 'auto'], { controls: { hue_automatic: 1 } }],
  [['--gamma', '100'], { controls: { gamma: 100 } }],
  [['--sharpness', '3'], { controls: { sharpness: 3 } }],
  [['--backlight-compensation', '1'], { controls: { backlight_compensation: 1 } }],
  [['--white-balance', '4000'], { controls: { white_balance_temperature: 4000 } }],
  [['--white-balance', 'auto'], { controls: { white_balance_automatic: 1 } }],
  [['--gain', '10'], { controls: { gain: 10 } }],
  [['--color-effect', '2'], { controls: { color_effects: 2 } }],
  [['--rotate', '180'], { controls: { rotate: 180 } }],
  [['--flip-vertical', '1'], { controls: { vertical_flip: 1 } }],
  [['--flip-horizontal', 'default'], { controlDefaults: ['horizontal_flip'] }],
  [['--host', '0.0.0.0'], { host: '0.0.0.0' }],
  [['--port', '8081'], { port: 8081 }],
  [['--unix', '/run/cam.sock'], { unix: '/run/cam.sock' }],
  [['--unix', '/run/cam.sock', '--unix-rm'], { unix: '/run/cam.sock' }],
  [['--unix', '/run/cam.sock', '--unix-mode', '660'], { unixMode: 0o660 }],
  [['--systemd'], {}],
  [['--user', 'me', '--passwd', 'secret'], { auth: 'me:secret' }],
  [['--static', dir], { staticDir: dir }],
  [['--drop-same-frames', '30'], { dropSameFrames: 30 }],
  [['--allow-origin', '*'], { allowOrigin: '*' }],
  [['--instance-id', 'cam1'], { instance: 'cam1' }],
  [['--tcp-nodelay'], {}],
  [['--exit-on-parent-death'], { exitOnParentDeath: true }],
  [['--exit-on-device-error'], { persistent: false }],
  [['--process-name-prefix', 'kvmd/streamer'], {}],
  [['--log-level', '0'], { logLevel: 'info' }],
  [['--log-level', '3'], { logLevel: 'debug' }],
  [['--perf'], { logLevel: 'debug' }],
  [['--verbose'], { logLevel: 'debug' }],
  [['--debug'], { logLevel: 'debug' }],
  [['--force-log-colors'], {}],
  [['--no-log-colors'], {}],
  [['--version'], { version: true }],
];

describe('each accepted µStreamer option', () => {
  it.each(ACCEPTED)('%j', (argv, expected) => {
    expect(config(argv)).toMatchObject(expected);
  });

  it("--server-timeout maps onto turbocam's own --server-timeout", () => {
    expect(translateUstreamerArgs(['--server-timeout', '7']).argv).toEqual(['--server-timeout', '7', '--persistent']);
    expect(config(['--server-timeout', '7'])).toMatchObject({ serverTimeoutMs: 7000 });
  });

  it("--help and --process-name-prefix are the translation's own", () => {
    expect(translateUstreamerArgs(['-h']).help).toBe(true);
    expect(translateUstreamerArgs(['--process-name-prefix', 'kvmd/streamer']).processTitle).toBe('kvmd/streamer');
  });

  it('the table has a test row for every option it accepts', () => {
    const tested = new Set([
      ...ACCEPTED.flatMap(([argv]) => argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2))),
      'server-timeout',
      'help',
      'process-name-prefix',
    ]);
    const accepted = Object.entries(USTREAMER_OPTIONS)
      .filter(([, spec]) => spec.unsupported === undefined)
      .map(([name]) => name);
    expect(accepted.filter((name) => !tested.has(name))).toEqual([]);
  });
});

describe("getopt_long's spellings", () => {
  it.each([
    [
      [
        '-d',
        '/dev/video1',
        '-r',
        '320x240',
        '-f',
        '10',
        '-q',
        '70',
        '-w',
        '2',
        '-b',
        '4',
        '-s',
        '::',
        '-p',
        '9000',
        '-e',
        '5',
        '-m',
        'GREY',
        '-i',
        '1',
      ],
      {
        source: '/dev/video1',
        width: 320,
        fps: 10,
        quality: 70,
        workers: 2,
        buffers: 4,
        host: '::',
        port: 9000,
        dropSameFrames: 5,
        format: 'grey',
        input: 1,
      },
    ],
    [['--device=/dev/video1', '--desired-fps=12'], { source: '/dev/video1', fps: 12 }],
    [['-d/dev/video1', '-f12'], { source: '/dev/video1', fps: 12 }],
    [['-ntl', '-q', '60'], { persistent: true, quality: 60 }],
    [['-nq60'], { persistent: true, quality: 60 }],
    [['--desired', '9', '--res', '800x600'], { fps: 9, width: 800 }],
    [['-c', 'HW', '-U', '/tmp/s', '-M', '600', '-D'], { format: 'mjpeg', unix: '/tmp/s', unixMode: 0o600 }],
  ] as Array<[string[], Partial<CliConfig>]>)('%j', (argv, expected) => {
    expect(config(argv)).toMatchObject(expected);
  });
});

describe('options turbocam cannot honour', () => {
  const unsupported = Object.entries(USTREAMER_OPTIONS).filter(([, spec]) => spec.unsupported !== undefined);
  it.each(unsupported.map(([name, spec]) => [name, spec.value]))('--%s is refused by name', (name, takesValue) => {
    const argv = takesValue ? [`--${name}`, 'x'] : [`--${name}`];
    expect(() => translateUstreamerArgs(argv)).toThrow(new RegExp(`^--${name}: `));
    try {
      translateUstreamerArgs(argv);
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ERR_BAD_FLAG');
    }
  });

  it.each([
    [['--encoder', 'H264'], '--encoder H264'],
    [['--format', 'YVYU'], '--format YVYU'],
    [['--format', 'RGB565'], '--format RGB565'],
    [['--io-method', 'USERPTR'], '--io-method USERPTR'],
    [['--tv-standard', 'PAL'], '--tv-standard PAL'],
    [['--hue', 'bright'], '--hue'],
    [['--contrast', 'auto'], '--contrast has no auto mode'],
    [['--log-level', '7'], '--log-level'],
    [['--user', 'me'], '--user and --passwd'],
    [['--bogus'], '--bogus'],
    [['-x'], '-x'],
    [['--dev', '/dev/video0'], 'ambiguous'],
    [['--persistent=1'], '--persistent takes no value'],
    [['--port'], '--port wants a value'],
    [['stray'], "'stray'"],
  ])('%j is refused naming %s', (argv, named) => {
    expect(() => translateUstreamerArgs(argv)).toThrow(named);
  });
});
