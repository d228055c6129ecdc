import type { PixelFormatName, RawPixelFormatName, Subsampling } from './types.js';
export interface EncodeOptions {
    width: number;
    height: number;
    /** The input's format; `mjpeg` input is normalised (DHT inserted, SOI/EOI checked), not re-encoded. */
    format: PixelFormatName;
    /** 1..100, default 80. Ignored for mjpeg input. */
    quality?: number;
    /** Output chroma subsampling. Default: 422 for yuyv/uyvy, gray for grey, 420 otherwise. */
    subsampling?: Subsampling;
    /** Bytes per line of the first plane when lines are padded; default: tight. */
    stride?: number;
}
export interface TestPatternOptions {
    width: number;
    height: number;
    format: RawPixelFormatName;
    /** Frame number: moves the box and sets the counter. Default 0. */
    frame?: number;
}
export interface EncoderStats {
    /** The bounded pool of output buffers that encoded Buffers borrow. */
    pool: {
        capacity: number;
        allocated: number;
        leased: number;
        idle: number;
        /** Pooled buffers ever lent (zero-copy frames). */
        leases: number;
        /** Frames served as a copy of exactly the JPEG's bytes because every pooled buffer was out. */
        copies: number;
        /** JPEGs that outgrew their predicted buffer (TurboJPEG grew it; the pool keeps the new size). */
        grown: number;
        bytes: number;
    };
    /** mjpeg frames rejected as truncated or malformed. */
    corruptFrames: number;
}
/** Encodes one raw frame to JPEG on a native worker thread (or normalises an mjpeg frame).
 *  Do not modify `frame` until the promise settles. Rejects with a coded Error:
 *  ERR_FRAME_SIZE, ERR_UNSUPPORTED_FORMAT, ERR_INVALID_ARG, ERR_CORRUPT_FRAME. */
export declare function encode(frame: Uint8Array, options: EncodeOptions): Promise<Buffer>;
/** encode() on the calling thread, for scripts. */
export declare function encodeSync(frame: Uint8Array, options: EncodeOptions): Buffer;
/** One frame of the built-in test source (colour bars, gradient, moving box, frame counter) in
 *  any raw format, at tight stride. */
export declare function testPattern(options: TestPatternOptions): Buffer;
/** Counters of the encoder's output-buffer pool and of rejected mjpeg frames. */
export declare function encoderStats(): EncoderStats;
