// Command-line flags to a checked configuration. Every problem is a ERR_BAD_FLAG error whose
// message names the flag, so main can print one line and exit 2.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TurbocamError } from '../errors.js';
import type { H264Options } from '../sources/h264-output.js';
import { LOG_LEVELS, type LogLevel } from '../log.js';
import { PIXEL_FORMATS, SUBSAMPLINGS, type PixelFormatName, type Subsampling } from '../types.js';
import {
  DEVICE_TIMEOUT_MS,
  describeRange,
  ENCODERS,
  type EncoderName,
  H264_BITRATE_KBPS,
  H264_ENCODERS,
  H264_KEYFRAME_INTERVAL,
  inRange,
  PAUSE_AFTER_MS,
  QUALITY,
  RETRY_INTERVAL_MS,
  type Range,
} from '../validate.js';

export interface CliConfig {
  /** Undefined: /dev/video0 when present, else the test pattern. */
  source: string | undefined;
  width: number;
  height: number;
  fps: number;
  format: PixelFormatName | 'auto';
  quality: number;
  encoder: EncoderName;
  encoderDevice: string | undefined;
  /** The Camera's H.264 settings; false with --h264-encoder none. */
  h264: H264Options;
  rotate: 0 | 90 | 180 | 270;
  flip: 'h' | 'v' | undefined;
  subsampling: Subsampling;
  workers: number | undefined;
  buffers: number | undefined;
  input: number | undefined;
  controls: Record<string, number>;
  /** Controls given as NAME=default: reset once the source is open. */
  controlDefaults: string[];
  imageDefault: boolean;
  persistent: boolean;
  deviceTimeoutMs: number;
  retryIntervalMs: number;
  pauseAfterMs: number;
  host: string | undefined;
  port: number | undefined;
  rtspPort: number | undefined;
  unix: string | undefined;
  unixMode: number | undefined;
  auth: string | undefined;
  authFile: string | undefined;
  allowOrigin: string | undefined;
  allowControls: boolean;
  staticDir: string | undefined;
  maxClients: number;
  clientTimeoutMs: number;
  serverTimeoutMs: number;
  maxPendingPerAddress: number;
  allowTruncatedFrames: boolean;
  dropSameFrames: number;
  instance: string | undefined;
  listDevices: boolean;
  listControls: boolean;
  logLevel: LogLevel;
  exitOnParentDeath: boolean;
  version: boolean;
  help: boolean;
}

const FORMATS: readonly string[] = ['auto', ...PIXEL_FORMATS];

export const USAGE = `Usage: turbocam [options]

Streams a V4L2 camera (or the test pattern, or another MJPEG server) as MJPEG over HTTP.

Source
  -d, --source, --device PATH  /dev/videoN, testsrc, stdin, a FIFO/file, or http(s)://host/stream
                               to relay another MJPEG server (default: /dev/video0, else testsrc)
  -r, --resolution WxH         frame size (default 640x480)
  -f, --fps N                  frames per second (default 30)
      --format NAME            ${FORMATS.join(', ')} (default auto)
  -q, --quality N              JPEG quality 1..100 for raw formats (default ${QUALITY.default})
      --encoder NAME           ${ENCODERS.join(', ')} (default cpu): m2m-image is a V4L2 memory-to-memory
                               JPEG encoder (a Raspberry Pi's /dev/video31), m2m-video an M2M video
                               encoder coding MJPEG to a bitrate (the Pi's /dev/video11); auto uses
                               m2m-image when a node is present
      --encoder-device PATH    the M2M node (default: the first /dev/video* that encodes the format)
      --h264-encoder NAME      ${[...H264_ENCODERS, 'none'].join(', ')} (default auto): what codes the H.264
                               stream for WebRTC and MSE viewers; openh264 (libopenh264-7) on the CPU,
                               m2m on a V4L2 M2M H.264 encoder (the Pi's /dev/video11); none: off
      --h264-bitrate KBPS      H.264 target bitrate in kbit/s (default ${H264_BITRATE_KBPS.default})
      --h264-keyframe-interval FRAMES
                               frames from one H.264 keyframe to the next (default: 2 s of frames)
      --h264-device PATH       the M2M H.264 node (default: the first that codes the format)
      --rotate DEG             turn the picture clockwise: 0, 90, 180 or 270 (camera MJPEG losslessly)
      --flip h|v               mirror it left-right (h) or top-bottom (v), after --rotate
      --subsampling S          420, 422, 444 or gray for raw formats (default 420; 422 keeps the
                               camera's full chroma, about 20 % more CPU)
      --workers N              encoder threads (default: cores)
      --buffers N              capture buffers (default: workers + 2)
      --input N                V4L2 input to select (an HDMI input adopts its detected DV timings)
  -c, --control NAME=VALUE     set a camera control at start (repeatable; VALUE may be default)
      --image-default          reset brightness, contrast, saturation, hue, gamma, sharpness, backlight,
                               white balance, gain, colour effects, rotate and flips to their defaults
      --persistent             ride out unplugs and timeouts, showing NO SIGNAL meanwhile
      --device-timeout SEC     no frame for this long counts as a stalled device (default ${DEVICE_TIMEOUT_MS / 1000})
      --retry-interval SEC     persistent mode reopens the source this often (default ${RETRY_INTERVAL_MS / 1000})
      --allow-truncated-frames serve MJPEG frames cut short inside the scan (EOI appended);
                               frames that only lack EOI are always repaired
      --pause-after SEC        encode nothing from this long after the last viewer leaves (default ${PAUSE_AFTER_MS / 1000})

HTTP
      --host ADDR              address to bind (default 127.0.0.1; 0.0.0.0 or :: for all)
  -p, --port N                 TCP port (default 8080)
      --unix PATH              serve on a Unix socket (TCP too only if --host/--port are given)
      --rtsp-port N            also serve the H.264 stream over RTSP (rtsp://HOST:N/stream, RTP over TCP)
                               for Frigate, Home Assistant, VLC and ffmpeg; same --auth as HTTP
      --unix-mode MODE         the socket's permissions, octal (e.g. 660)
      --auth USER:PASS         require HTTP basic auth
      --auth-file PATH         basic auth users, one USER:PASS per line
      --allow-origin ORIGIN    send CORS headers for ORIGIN (* for any; comma-separated list)
      --static DIR             serve DIR's files at / (index.html) in place of the page
      --allow-controls         let POST /controls change camera controls (behind --auth when given)
      --max-clients N          stream clients beyond N get 503 (default 0: no limit)
      --client-timeout SEC     drop a stream client that has not drained a frame for this long (default 10)
      --server-timeout SEC     close a connection that has not sent a complete request head
                               within this long (default 10)
      --max-pending-per-address N
                               connections one address may hold for over a second without a
                               complete request; its oldest is closed past N (default 16; 0: no cap)
      --drop-same-frames N     skip byte-identical frames, at most N in a row (default 0: off)
      --instance NAME          name shown in /state, /metrics and the logs

Other
      --list-devices           list V4L2 capture devices with their formats and exit
      --list-controls          list the source's controls and exit
      --log-level LEVEL        error, warn, info or debug (default info)
      --exit-on-parent-death   stop when the process that started turbocam goes away
  -v, --version                print the version and exit
  -h, --help                   print this help and exit

Endpoints: / (page), /stream, /snapshot, /state, /metrics, /controls, /?action=stream, /?action=snapshot
`;

const LEVELS: readonly string[] = LOG_LEVELS;

function bad(message: string): Error {
  return new TurbocamError('ERR_BAD_FLAG', message);
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  return number(flag, value, { min, max, integer: true });
}

function number(flag: string, value: string | undefined, range: Range): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !inRange(parsed, range)) throw bad(`--${flag} wants ${describeRange(range)}, got '${value}'`);
  return parsed;
}

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0)
    throw bad(`--${flag} wants a positive number of seconds, got '${value}'`);
  return Math.round(parsed * 1000);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function parseCli(argv: string[]): CliConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        source: { type: 'string', short: 'd' },
        device: { type: 'string' },
        resolution: { type: 'string', short: 'r' },
        fps: { type: 'string', short: 'f' },
        format: { type: 'string' },
        quality: { type: 'string', short: 'q' },
        encoder: { type: 'string' },
        'encoder-device': { type: 'string' },
        'h264-encoder': { type: 'string' },
        'h264-bitrate': { type: 'string' },
        'h264-keyframe-interval': { type: 'string' },
        'h264-device': { type: 'string' },
        rotate: { type: 'string' },
        flip: { type: 'string' },
        subsampling: { type: 'string' },
        workers: { type: 'string' },
        buffers: { type: 'string' },
        input: { type: 'string' },
        control: { type: 'string', short: 'c', multiple: true },
        'image-default': { type: 'boolean' },
        'retry-interval': { type: 'string' },
        'unix-mode': { type: 'string' },
        'exit-on-parent-death': { type: 'boolean' },
        persistent: { type: 'boolean' },
        'device-timeout': { type: 'string' },
        'pause-after': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        'rtsp-port': { type: 'string' },
        unix: { type: 'string' },
        auth: { type: 'string' },
        'auth-file': { type: 'string' },
        'allow-origin': { type: 'string' },
        'allow-controls': { type: 'boolean' },
        static: { type: 'string' },
        'max-clients': { type: 'string' },
        'client-timeout': { type: 'string' },
        'server-timeout': { type: 'string' },
        'max-pending-per-address': { type: 'string' },
        'allow-truncated-frames': { type: 'boolean' },
        'drop-same-frames': { type: 'string' },
        instance: { type: 'string' },
        'list-devices': { type: 'boolean' },
        'list-controls': { type: 'boolean' },
        'log-level': { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // parseArgs explains well but verbosely; keep its first sentence, which names the flag.
    const message = error instanceof Error ? (error.message.split('\n')[0]?.replace(/\. To specify .*$/, '') ?? '') : String(error);
    throw bad(message);
  }
  const v = parsed.values;
  if (v.source !== undefined && v.device !== undefined && v.source !== v.device)
    throw bad('--source and --device name the same thing; give one');

  let width = 640;
  let height = 480;
  if (v.resolution !== undefined) {
    const match = /^(\d{1,5})x(\d{1,5})$/i.exec(v.resolution);
    if (match === null || Number(match[1]) === 0 || Number(match[2]) === 0)
      throw bad(`--resolution wants WxH (e.g. 1280x720), got '${v.resolution}'`);
    width = Number(match[1]);
    height = Number(match[2]);
  }
  const fps = v.fps === undefined ? 30 : Number(v.fps);
  if (!Number.isFinite(fps) || fps <= 0 || fps > 1000) throw bad(`--fps wants a number in (0, 1000], got '${v.fps ?? ''}'`);
  const format = v.format ?? 'auto';
  if (!FORMATS.includes(format)) throw bad(`--format wants one of ${FORMATS.join(', ')}, got '${format}'`);

  const encoder = v.encoder ?? 'cpu';
  if (!(ENCODERS as readonly string[]).includes(encoder)) throw bad(`--encoder wants one of ${ENCODERS.join(', ')}, got '${encoder}'`);
  if (v['encoder-device'] === '') throw bad('--encoder-device wants a device path');
  const h264Encoder = v['h264-encoder'] ?? 'auto';
  if (![...H264_ENCODERS, 'none'].includes(h264Encoder))
    throw bad(`--h264-encoder wants one of ${[...H264_ENCODERS, 'none'].join(', ')}, got '${h264Encoder}'`);
  if (v['h264-device'] === '') throw bad('--h264-device wants a device path');
  let h264: H264Options = false;
  if (h264Encoder !== 'none') {
    h264 = { encoder: h264Encoder as (typeof H264_ENCODERS)[number] };
    const bitrateKbps = number('h264-bitrate', v['h264-bitrate'], H264_BITRATE_KBPS);
    const keyframeInterval = number('h264-keyframe-interval', v['h264-keyframe-interval'], H264_KEYFRAME_INTERVAL);
    if (bitrateKbps !== undefined) h264.bitrateKbps = bitrateKbps;
    if (keyframeInterval !== undefined) h264.keyframeInterval = keyframeInterval;
    if (v['h264-device'] !== undefined) h264.device = v['h264-device'];
  }
  const rotate = v.rotate === undefined ? 0 : Number(v.rotate);
  if (rotate !== 0 && rotate !== 90 && rotate !== 180 && rotate !== 270)
    throw bad(`--rotate wants 0, 90, 180 or 270, got '${v.rotate ?? ''}'`);
  if (v.flip !== undefined && v.flip !== 'h' && v.flip !== 'v') throw bad(`--flip wants h or v, got '${v.flip}'`);
  const relay = /^https?:\/\//i.test(v.source ?? v.device ?? '');
  if (relay && (rotate !== 0 || v.flip !== undefined)) throw bad('--rotate and --flip need a camera, testsrc or pipe source, not a relay');
  const subsampling = (v.subsampling ?? '420') as Subsampling;
  if (!SUBSAMPLINGS.includes(subsampling)) throw bad(`--subsampling wants one of ${SUBSAMPLINGS.join(', ')}, got '${subsampling}'`);

  const controls: Record<string, number> = {};
  const controlDefaults: string[] = [];
  for (const entry of v.control ?? []) {
    const match = /^([A-Za-z0-9_]+)=(-?\d+|true|false|default)$/.exec(entry);
    if (match === null || match[1] === undefined || match[2] === undefined) throw bad(`--control wants NAME=INTEGER, got '${entry}'`);
    if (match[2] === 'default') {
      controlDefaults.push(match[1].toLowerCase());
      continue;
    }
    controls[match[1].toLowerCase()] = match[2] === 'true' ? 1 : match[2] === 'false' ? 0 : Number(match[2]);
  }
  if (v.auth !== undefined && !/^[^:]+:.+$/.test(v.auth)) throw bad('--auth wants USER:PASS');
  if (v.static !== undefined && !isDirectory(v.static)) throw bad(`--static wants a directory, got '${v.static}'`);
  const unixMode = v['unix-mode'];
  if (unixMode !== undefined && !/^0?[0-7]{3}$/.test(unixMode)) throw bad(`--unix-mode wants an octal mode such as 660, got '${unixMode}'`);
  if (unixMode !== undefined && v.unix === undefined) throw bad('--unix-mode needs --unix');
  const logLevel = (v['log-level'] ?? 'info') as LogLevel;
  if (!LEVELS.includes(logLevel)) throw bad(`--log-level wants one of ${LEVELS.join(', ')}, got '${logLevel}'`);

  return {
    source: v.source ?? v.device,
    width,
    height,
    fps,
    format: format as CliConfig['format'],
    quality: number('quality', v.quality, QUALITY) ?? QUALITY.default,
    encoder: encoder as EncoderName,
    encoderDevice: v['encoder-device'],
    h264,
    rotate,
    flip: v.flip as CliConfig['flip'],
    subsampling,
    workers: integer('workers', v.workers, 1, 64),
    buffers: integer('buffers', v.buffers, 2, 64),
    input: integer('input', v.input, 0, 255),
    controls,
    controlDefaults,
    imageDefault: v['image-default'] ?? false,
    persistent: v.persistent ?? false,
    deviceTimeoutMs: seconds('device-timeout', v['device-timeout'], DEVICE_TIMEOUT_MS),
    retryIntervalMs: seconds('retry-interval', v['retry-interval'], RETRY_INTERVAL_MS),
    pauseAfterMs: seconds('pause-after', v['pause-after'], PAUSE_AFTER_MS),
    host: v.host,
    port: integer('port', v.port, 0, 65535),
    rtspPort: integer('rtsp-port', v['rtsp-port'], 0, 65535),
    unix: v.unix,
    unixMode: unixMode === undefined ? undefined : parseInt(unixMode, 8),
    auth: v.auth,
    authFile: v['auth-file'],
    allowOrigin: v['allow-origin'],
    allowControls: v['allow-controls'] ?? false,
    staticDir: v.static,
    maxClients: integer('max-clients', v['max-clients'], 0, 1_000_000) ?? 0,
    clientTimeoutMs: seconds('client-timeout', v['client-timeout'], 10_000),
    serverTimeoutMs: seconds('server-timeout', v['server-timeout'], 10_000),
    maxPendingPerAddress: integer('max-pending-per-address', v['max-pending-per-address'], 0, 1_000_000) ?? 16,
    allowTruncatedFrames: v['allow-truncated-frames'] ?? false,
    dropSameFrames: integer('drop-same-frames', v['drop-same-frames'], 0, 1_000_000) ?? 0,
    instance: v.instance,
    listDevices: v['list-devices'] ?? false,
    listControls: v['list-controls'] ?? false,
    logLevel,
    exitOnParentDeath: v['exit-on-parent-death'] ?? false,
    version: v.version ?? false,
    help: v.help ?? false,
  };
}
