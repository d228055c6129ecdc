/** Pixel formats by their lower-case V4L2 names. */
export type PixelFormatName = 'yuyv' | 'uyvy' | 'nv12' | 'i420' | 'rgb24' | 'bgr24' | 'grey' | 'mjpeg';
/** Raw formats: every format but mjpeg. */
export type RawPixelFormatName = Exclude<PixelFormatName, 'mjpeg'>;
export type Subsampling = '444' | '422' | '420' | 'gray';
/** One encoded frame, as sources hand it to the hub and the hub to clients. */
export interface Frame {
    /** The JPEG. Shared by every consumer: never mutate it. */
    data: Buffer;
    width: number;
    height: number;
    /** The format the source captured in (the JPEG is always JPEG). */
    format: PixelFormatName;
    /** Monotonic per source, starting at 0; gaps mean dropped frames. */
    sequence: number;
    /** Capture time in milliseconds of CLOCK_MONOTONIC, the clock of V4L2 timestamps and of
     *  `process.hrtime.bigint()`, so latency is `hrtime - timestamp` on the same machine. */
    timestamp: number;
}
