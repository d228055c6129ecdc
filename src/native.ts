// Loads the addon and declares its surface. Every other module reaches native code through here.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

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

const ADDON_PATH = fileURLToPath(new URL('../build/Release/turbocam.node', import.meta.url));

function loadAddon(): NativeAddon {
  const path = process.env.TURBOCAM_ADDON ?? ADDON_PATH;
  if (!existsSync(path)) {
    const error = new Error(
      `turbocam: native addon not built (${path}); build it with \`npm rebuild turbocam\` ` +
        '(needs cmake, g++, pkg-config and libturbojpeg0-dev)',
    ) as NodeJS.ErrnoException;
    error.code = 'ERR_ADDON_MISSING';
    throw error;
  }
  const require = createRequire(import.meta.url);
  try {
    return require(path) as NativeAddon;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    // The addon links the system libturbojpeg; name the package rather than surface a dlopen error.
    const hint = /libturbojpeg/.test(message) ? ' (install the system package libturbojpeg0)' : '';
    const error = new Error(`turbocam: cannot load the native addon: ${message}${hint}`, { cause }) as NodeJS.ErrnoException;
    error.code = 'ERR_ADDON_LOAD';
    throw error;
  }
}

export const native: NativeAddon = loadAddon();
