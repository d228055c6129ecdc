#!/usr/bin/env bash
# Fills prebuilds/ for the npm package, in the layout node-gyp-build reads:
# prebuilds/<platform>-<arch>/node.napi[.armv7].glibc.node (N-API 8, so any Node >= 20 loads it).
# The host build comes from cmake-js as usual; linux-arm64 and linux-arm (Debian armhf, ARMv7)
# from scripts/cross/build.sh, which needs scripts/cross/setup.sh's packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

node scripts/build-native.mjs
scripts/cross/build.sh arm64
scripts/cross/build.sh armhf

rm -rf prebuilds
place() { # source, folder, file name, strip tool
  install -D -m 0755 "$1" "prebuilds/$2/$3"
  "$4" --strip-unneeded "prebuilds/$2/$3"
}
place build/Release/turbocam.node "linux-$(node -p process.arch)" node.napi.glibc.node strip
place build/cross/arm64/Release/turbocam.node linux-arm64 node.napi.glibc.node aarch64-linux-gnu-strip
# armv7: node-gyp-build skips it on ARMv6 Nodes (Pi Zero / Pi 1), which build from source instead.
place build/cross/armhf/Release/turbocam.node linux-arm node.napi.armv7.glibc.node arm-linux-gnueabihf-strip
find prebuilds -type f -printf 'prebuild: %p (%s bytes)\n'
