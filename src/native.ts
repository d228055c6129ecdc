// Loads the addon and declares its surface. Every other module reaches native code through here.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** One entry of the native pixel-format table. */
export interface NativeFormat {
  name: string;
  fourcc: string;
}

/** What a capture negotiated (native/napi/camera_binding.cc). */
export interface NativeCaptureInfo {
  kind: string;
  name: string;
  width: number;
  height: number;
  format: string;
  fps: number;
}

export interface NativeCaptureStats {
  captured: number;
  encoded: number;
  delivered: number;
  dropped: { busy: number; late: number; corrupt: number; error: number };
  fps: number;
  encodeMs: number;
}

export interface NativeControl {
  name: string;
  id: number;
  type: string;
  min: number;
  max: number;
  step: number;
  default: number;
  value: number | null;
  menu?: Record<number, string>;
  flags: { readOnly: boolean; inactive: boolean; disabled: boolean };
}

export interface NativeCapture {
  info(): NativeCaptureInfo;
  stats(): NativeCaptureStats;
  close(): Promise<void>;
  listControls(): Promise<NativeControl[]>;
  getControl(name: string): Promise<number>;
  setControl(name: string, value: number): Promise<void>;
}

export interface NativeDevice {
  path: string;
  name: string;
  driver: string;
  bus: string;
  formats: { format: string; fourcc: string; description: string; sizes: { width: number; height: number; fps: number[] }[] }[];
}

/** The addon's exports. Each binding file of native/napi adds its part here. */
export interface NativeAddon {
  formats: NativeFormat[];
  openCapture(
    options: Record<string, unknown>,
    onFrame: (data: Buffer, sequence: number, timestamp: number) => void,
    onFailure: (error: Error) => void,
  ): Promise<NativeCapture>;
  listDevices(): Promise<NativeDevice[]>;
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
