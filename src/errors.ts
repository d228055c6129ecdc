// The one error class of turbocam. The addon is handed it at load (src/native.ts), as
// better-sqlite3 hands its SqliteError, so errors from C++ and from TypeScript are both
// `instanceof TurbocamError`, each with a stable `code` from ERROR_CODES.

/** Every code turbocam's own errors carry, and what it means. The README's error table lists
 *  the same codes (test/unit/errors.test.ts checks both ways). Errors passed through from Node
 *  or the kernel keep their own errno name (EPERM, ENXIO, ECONNREFUSED, ...). */
export const ERROR_CODES = {
  ENOENT: 'missing device or file',
  EACCES: 'permission denied',
  EBUSY: 'another process streams from the device',
  ENODEV: 'the device was unplugged',
  EIO: 'the driver reported a fatal streaming error',
  ETIMEDOUT:
    'no frame within `deviceTimeout` (a relay: no bytes from the upstream; a pipe: no bytes from its writer while turbocam waits for them)',
  EEXIST: '`--unix` names a path that exists and is not a socket',
  EADDRINUSE: 'another server listens on the address or Unix socket',
  ERR_NOT_CAPTURE_DEVICE: '`/dev/null`, a regular file, or an output-only node',
  ERR_UNSUPPORTED_FORMAT: 'an unknown pixel format; from a device, the message lists what it offers',
  ERR_NO_SIGNAL: 'no HDMI signal at open',
  ERR_SOURCE_CHANGED: 'the HDMI signal changed; the Camera renegotiates (`disconnect`, then `reconnect`)',
  ERR_END_OF_STREAM: "a pipe's writer closed (persistent mode reopens it, which suits a FIFO)",
  ERR_INVALID_ARG: 'an option or argument out of range, an unknown or read-only control, a raw pipe without width and height',
  ERR_FRAME_SIZE: 'a frame smaller than width × height × format; the message gives both byte counts',
  ERR_CORRUPT_FRAME:
    'an mjpeg frame without SOI or a complete header, or cut short inside its scan (a frame that only lacks EOI is repaired)',
  ERR_TRUNCATED_FRAMES: 'a warning, capture going on: most mjpeg frames are cut short and dropped; `allowTruncatedFrames` serves them',
  ERR_ENCODE: 'libjpeg-turbo refused the frame',
  ERR_NO_M2M_ENCODER:
    "`--encoder m2m-image` (or m2m-video) and no V4L2 M2M node (or not the one given) encodes the camera's format to JPEG (MJPEG, H.264)",
  ERR_H264_UNAVAILABLE:
    'H.264 asked of a camera that cannot code it: no OpenH264 (the message names the package to install), no M2M H.264 encoder, or `h264: false`',
  ERR_H264_ENCODE: 'the H.264 encoder refused the settings or a frame; the stream stops and its `onError` hears why',
  ERR_NOT_M2M_DEVICE: 'an encoder node that is not a V4L2 memory-to-memory device',
  ERR_DMABUF:
    "an M2M encoder refused the camera's DMABUF; it is copied into the encoder's buffers instead (not raised: the frame is retried at once)",
  ERR_H264_STREAM: 'an H.264 stream the MP4 muxer cannot read: no SPS or PPS before the first IDR, or an SPS it cannot parse',
  ERR_WEBRTC_UNAVAILABLE:
    'the WebRTC library (the optional node-datachannel) has no build for this machine, as on armhf: WHEP answers 501; use the MSE stream',
  ERR_BAD_OFFER:
    'an SDP offer (WHEP, /webrtc) that is not SDP, has no receiving video section, or offers no H.264 with packetization-mode=1',
  ERR_NO_CONTROLS: 'controls asked of a source that is not a V4L2 device',
  ERR_CLOSED: 'the camera was used after `close()`, or a closed server asked to listen',
  ERR_ABORTED: 'the `signal` given to `openCamera` or `createServer` / `serve` aborted before it opened (an abort later closes it)',
  ERR_UPSTREAM_STATUS: 'a relay upstream answered other than HTTP 200',
  ERR_UPSTREAM_END: 'a relay upstream ended its stream',
  ERR_UPSTREAM_FORMAT: 'a relay upstream that is not multipart/x-mixed-replace, or breaks its framing',
  ERR_LISTEN: 'the server cannot listen where asked',
  ERR_BAD_FLAG: 'a bad command-line flag (the CLI exits 2)',
  ERR_ADDON_MISSING: 'no native addon built or prebuilt for this machine',
  ERR_ADDON_LOAD: 'the native addon does not load (often: libturbojpeg is missing)',
  ERR_INTERNAL: 'a native failure turbocam did not expect; please report it',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface TurbocamErrorOptions {
  /** The device, file, socket or URL the error is about. */
  path?: string;
  /** The negated errno, for errors from a system call (as Node's system errors carry it). */
  errno?: number;
  cause?: unknown;
}

export class TurbocamError extends Error {
  code: string;
  path?: string;
  errno?: number;

  /** `code` is one of ERROR_CODES, or the errno name of a system error passed through. */
  constructor(code: ErrorCode | (string & {}), message: string, options: TurbocamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TurbocamError';
    this.code = code;
    if (options.path !== undefined) this.path = options.path;
    if (options.errno !== undefined) this.errno = options.errno;
  }
}

/** An Error with a string `code`: ours, or Node's system errors. */
export function isCodedError(value: unknown): value is Error & { code: string; path?: string } {
  return value instanceof Error && typeof (value as { code?: unknown }).code === 'string';
}
