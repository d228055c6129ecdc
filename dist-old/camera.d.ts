import { EventEmitter } from 'node:events';
import type { NativeCapture, NativeControl } from './native.js';
import type { FrameSource, SourceInfo, SourceStats } from './sources/source.js';
import type { Frame, PixelFormatName, Subsampling } from './types.js';
export interface OpenCameraOptions {
    /** `/dev/videoN`, `testsrc`, `stdin`, or the path of a FIFO / file carrying frames. */
    source: string;
    width?: number;
    height?: number;
    fps?: number;
    /** `auto` prefers the camera's MJPEG at the requested size, else a raw format. For pipes:
     *  `mjpeg` (default) or the raw format of the frames, with width and height. */
    format?: PixelFormatName | 'auto';
    /** JPEG quality 1..100 for raw formats (default 80). */
    quality?: number;
    /** Chroma subsampling of the JPEGs made from raw formats (default 420 for every raw format,
     *  gray for grey). 422 keeps a YUYV camera's full chroma for about 20 % more CPU. */
    subsampling?: Subsampling;
    /** Encoder threads (default: online cores). */
    workers?: number;
    /** Capture buffers (default: workers + 2). */
    buffers?: number;
    /** Controls set at open, by name: `{ brightness: 140, exposure_auto: 1 }`. */
    controls?: Record<string, number | boolean>;
    /** Reopen after an unplug (ENODEV) or a device timeout instead of stopping. A source absent at
     *  open (ENOENT, ENODEV, EBUSY, ...) does not reject either: the Camera starts disconnected
     *  (`connected` false) and emits `reconnect` once it opens. */
    persistent?: boolean;
    /** Milliseconds between reopen attempts in persistent mode (default 1000). */
    retryInterval?: number;
    /** Milliseconds without a frame before the device counts as stalled (default 5000). */
    deviceTimeout?: number;
    /** V4L2 input to select (VIDIOC_S_INPUT). HDMI inputs adopt the detected DV timings and
     *  renegotiate when the signal changes. */
    input?: number;
}
/** A camera control as the addon describes it, with its type narrowed to the V4L2 kinds. */
export interface ControlInfo extends Omit<NativeControl, 'type'> {
    type: 'integer' | 'boolean' | 'menu' | 'integer_menu' | 'button' | 'integer64' | 'bitmask' | 'string' | 'other';
}
export interface CameraControls {
    list(): Promise<ControlInfo[]>;
    get(name: string): Promise<number>;
    set(name: string, value: number | boolean): Promise<void>;
}
export interface DeviceDescription {
    path: string;
    name: string;
    driver: string;
    bus: string;
    formats: {
        format: string;
        fourcc: string;
        description: string;
        sizes: {
            width: number;
            height: number;
            fps: number[];
        }[];
    }[];
}
export declare class Camera extends EventEmitter implements FrameSource {
    #private;
    readonly controls: CameraControls;
    /** @internal use openCamera() */
    constructor(options: OpenCameraOptions, capture: NativeCapture | null);
    get info(): SourceInfo;
    /** False while the source is away (a persistent Camera retrying) or closed. */
    get connected(): boolean;
    /** Stops encoding: frames are still captured (the device keeps streaming, a pipe's writer never
     *  blocks) but given straight back and counted as `dropped.paused`. Survives reconnects. */
    pause(): void;
    /** Encodes and delivers again, from the next captured frame. */
    resume(): void;
    stats(): SourceStats;
    close(): Promise<void>;
    [Symbol.asyncIterator](): AsyncIterator<Frame>;
    /** @internal */
    static open(options: OpenCameraOptions): Promise<Camera>;
}
/** Opens a source and resolves once its format is negotiated and capture has started. */
export declare function openCamera(options: OpenCameraOptions): Promise<Camera>;
/** Every V4L2 capture device with its formats, sizes and frame rates. */
export declare function listDevices(): Promise<DeviceDescription[]>;
