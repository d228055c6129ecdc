// Loads the addon and declares its surface. Every other module reaches native code through here.
import { fileURLToPath } from 'node:url';

import { loadAddon } from './addon-loader.js';

/** One entry of the native pixel-format table. */
export interface NativeFormat {
  name: string;
  fourcc: string;
}

/** The addon's exports. Each binding file of native/napi adds its part here. */
export interface NativeAddon {
  formats: NativeFormat[];
  // Encoder (native/napi/encode_binding.cc); arguments are checked by src/encode.ts.
  encode(
    frame: Uint8Array, width: number, height: number, format: string, quality: number,
    subsampling: string | undefined, stride: number | undefined,
  ): Promise<Buffer>;
  encodeSync(
    frame: Uint8Array, width: number, height: number, format: string, quality: number,
    subsampling: string | undefined, stride: number | undefined,
  ): Buffer;
  testPattern(width: number, height: number, format: string, frame: number): Buffer;
  encoderStats(): import('./encode.js').EncoderStats;
}

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const native = loadAddon(PACKAGE_ROOT) as NativeAddon;
