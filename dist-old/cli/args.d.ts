import type { PixelFormatName, Subsampling } from '../types.js';
import type { LogLevel } from '../http/routes.js';
export interface CliConfig {
    /** Undefined: /dev/video0 when present, else the test pattern. */
    source: string | undefined;
    width: number;
    height: number;
    fps: number;
    format: PixelFormatName | 'auto';
    quality: number;
    subsampling: Subsampling;
    workers: number | undefined;
    buffers: number | undefined;
    input: number | undefined;
    controls: Record<string, number>;
    persistent: boolean;
    deviceTimeoutMs: number;
    pauseAfterMs: number;
    host: string | undefined;
    port: number | undefined;
    unix: string | undefined;
    auth: string | undefined;
    authFile: string | undefined;
    allowOrigin: string | undefined;
    maxClients: number;
    clientTimeoutMs: number;
    dropSameFrames: number;
    instance: string | undefined;
    listDevices: boolean;
    listControls: boolean;
    logLevel: LogLevel;
    version: boolean;
    help: boolean;
}
export declare const USAGE = "Usage: turbocam [options]\n\nStreams a V4L2 camera (or the test pattern, or another MJPEG server) as MJPEG over HTTP.\n\nSource\n  -d, --source, --device PATH  /dev/videoN, testsrc, stdin, a FIFO/file, or http(s)://host/stream\n                               to relay another MJPEG server (default: /dev/video0, else testsrc)\n  -r, --resolution WxH         frame size (default 640x480)\n  -f, --fps N                  frames per second (default 30)\n      --format NAME            auto, mjpeg, yuyv, uyvy, nv12, i420, rgb24, bgr24, grey (default auto)\n  -q, --quality N              JPEG quality 1..100 for raw formats (default 80)\n      --subsampling S          420, 422, 444 or gray for raw formats (default 420; 422 keeps the\n                               camera's full chroma, about 20 % more CPU)\n      --workers N              encoder threads (default: cores)\n      --buffers N              capture buffers (default: workers + 2)\n      --input N                V4L2 input to select (an HDMI input adopts its detected DV timings)\n  -c, --control NAME=VALUE     set a camera control at start (repeatable)\n      --persistent             ride out unplugs and timeouts, showing NO SIGNAL meanwhile\n      --device-timeout SEC     no frame for this long counts as a stalled device (default 5)\n      --pause-after SEC        encode nothing from this long after the last viewer leaves (default 3)\n\nHTTP\n      --host ADDR              address to bind (default 127.0.0.1; 0.0.0.0 or :: for all)\n  -p, --port N                 TCP port (default 8080)\n      --unix PATH              serve on a Unix socket (TCP too only if --host/--port are given)\n      --auth USER:PASS         require HTTP basic auth\n      --auth-file PATH         basic auth users, one USER:PASS per line\n      --allow-origin ORIGIN    send CORS headers for ORIGIN (* for any; comma-separated list)\n      --max-clients N          stream clients beyond N get 503 (default 0: no limit)\n      --client-timeout SEC     drop a stream client that has not drained a frame for this long (default 10)\n      --drop-same-frames N     skip byte-identical frames, at most N in a row (default 0: off)\n      --instance NAME          name shown in /state, /metrics and the logs\n\nOther\n      --list-devices           list V4L2 capture devices with their formats and exit\n      --list-controls          list the source's controls and exit\n      --log-level LEVEL        error, warn, info or debug (default info)\n  -v, --version                print the version and exit\n  -h, --help                   print this help and exit\n\nEndpoints: / (page), /stream, /snapshot, /state, /metrics, /?action=stream, /?action=snapshot\n";
export declare function parseCli(argv: string[]): CliConfig;
