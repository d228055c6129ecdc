// The public API, and nothing else.
export type { Frame, PixelFormatName, RawFrame, RawPixelFormatName, Subsampling } from './types.js';
export type { OutputName } from './validate.js';
export { TurbocamError, type ErrorCode } from './errors.js';
export { Camera, openCamera, listDevices, h264Availability, type CameraEvents } from './camera.js';
export type { H264Availability, H264EncoderName, H264Producer, H264Settings, H264Stats, H264Unit } from './sources/h264-source.js';
export type { H264Options } from './sources/h264-output.js';
export type { DeviceDescription } from './camera.js';
export type { OpenCameraOptions } from './camera-options.js';
export { encode, encodeSync, testPattern, encoderStats } from './encode.js';
export type { EncodeOptions, EncoderStats, TestPatternOptions } from './encode.js';
export type {
  CameraControls,
  ControlInfo,
  DropReason,
  FrameSource,
  PausableSource,
  RawDropReason,
  RawOutputStats,
  SourceInfo,
  SourceKind,
  SourceStats,
} from './sources/source.js';
export { FrameHub, type FrameHubEvents, type FrameHubOptions } from './hub.js';
export { createServer, serve, TurbocamServer, type ListenOptions, type ServerEvents, type ServerOptions } from './http/server.js';
export { openRelay, RelaySource, type RelayOptions } from './sources/relay.js';
export { mjpegHandler, snapshotHandler } from './http/handlers.js';
export type {
  MjpegHandler,
  MjpegHandlerOptions,
  MjpegHandlerStats,
  SnapshotHandler,
  SnapshotHandlerOptions,
  RequestListener,
} from './http/handlers.js';
export type { MjpegClientStats } from './http/mjpeg-writer.js';
export { H264Hub, type H264HubEvents, type H264HubOptions, type H264HubStats } from './h264/hub.js';
export type { H264Subscription, H264Viewer, H264ViewerHub, H264ViewerKind } from './h264/viewer.js';
