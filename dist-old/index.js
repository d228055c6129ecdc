export { Camera, openCamera, listDevices } from './camera.js';
export { encode, encodeSync, testPattern, encoderStats } from './encode.js';
export { FrameHub } from './hub.js';
export { createServer, serve, TurbocamServer } from './http/server.js';
export { openRelay, RelaySource } from './sources/relay.js';
//# sourceMappingURL=index.js.map