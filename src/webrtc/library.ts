// The WebRTC library, loaded at the first WebRTC request and never before, so turbocam installs and
// runs where it has no build (armhf): WHEP then answers 501 ERR_WEBRTC_UNAVAILABLE and the page
// falls back to MSE.
//
// node-datachannel (libdatachannel; MPL-2.0, an optional dependency with prebuilds for linux-x64
// and linux-arm64) rather than werift (MIT, pure TypeScript, any arch), on bench/webrtc-bench.mjs
// at 720p30, 2 Mbit/s on a shared 2-vCPU VM: 2.9-3.4 % of a core for one viewer and 6.6-6.7 % for
// five against werift's 10.6-10.8 % and 14.7-16.6 %; answers in 9-41 ms median against 19-430 ms.
// Its H.264 packetizer, NACK responder and sender reports are C++; werift would need ours in JS.
import { TurbocamError } from '../errors.js';

export type Datachannel = typeof import('node-datachannel');

let loading: Promise<Datachannel> | undefined;

/** The library, or ERR_WEBRTC_UNAVAILABLE naming why and the remedy. */
export function loadWebrtc(): Promise<Datachannel> {
  loading ??= import('node-datachannel').then(
    (module) => (module as Datachannel & { default?: Datachannel }).default ?? module,
    (cause: unknown) => {
      throw new TurbocamError(
        'ERR_WEBRTC_UNAVAILABLE',
        `WebRTC is unavailable: node-datachannel does not load on ${process.platform}-${process.arch} ` +
          `(${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}); ` +
          'install it with `npm install node-datachannel` where it has a build (linux-x64, linux-arm64), or use the MSE stream (/ws)',
        { cause },
      );
    },
  );
  return loading;
}
