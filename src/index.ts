// The public API, and nothing else.
export type { Frame, PixelFormatName, RawPixelFormatName, Subsampling } from './types.js';
export type { TurbocamError } from './errors.js';
export { Camera, openCamera, listDevices } from './camera.js';
export type { OpenCameraOptions, CameraControls, ControlInfo, DeviceDescription } from './camera.js';
export { encode, encodeSync, testPattern, encoderStats } from './encode.js';
export type { EncodeOptions, EncoderStats, TestPatternOptions } from './encode.js';
