#!/usr/bin/env bash
# Cross-compiles the addon for one ARM architecture with cmake-js, offline (N-API headers come
# from node-api-headers, per package.json's binary.napi_versions), into
# build/cross/<arch>/Release/turbocam.node. Needs setup.sh's packages.
set -euo pipefail
source "$(dirname "$0")/arch.sh"
cross_arch "${1:-}"

cd "$root"
# pkg-config must see the foreign architecture's libturbojpeg, never the host's.
export PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig
node node_modules/cmake-js/bin/cmake-js compile --log-level warn --out "$out" \
  --CDCMAKE_TOOLCHAIN_FILE="$root/scripts/cross/$debian_arch.cmake" --parallel "$(nproc)"

addon=$out/Release/turbocam.node
machine=$(od -An -tx1 -j18 -N2 "$addon" | tr -d ' ')
case "$debian_arch:$machine" in
  arm64:b700 | armhf:2800 | s390x:0016) echo "cross: built $addon" ;;
  *) echo "cross: $addon is not an $debian_arch ELF (e_machine $machine)" >&2; exit 1 ;;
esac
