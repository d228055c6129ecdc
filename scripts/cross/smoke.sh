#!/usr/bin/env bash
# Runs ../smoke.cjs against build/cross/<arch>/Release/turbocam.node (or the second argument: another
# addon file, or a package root to take the matching prebuilds/ file from) under qemu-user, with Debian's ARM nodejs from sysroot.sh. No binfmt_misc
# needed: qemu is invoked directly, with -L pointing the loader and libraries at the sysroot.
set -euo pipefail
source "$(dirname "$0")/arch.sh"
cross_arch "${1:-}"

addon=${2:-$out/Release/turbocam.node}
[[ -x $sysroot/usr/bin/node ]] || "$root/scripts/cross/sysroot.sh" "$debian_arch"
cd "$root"
# The addon's libturbojpeg is the ARM one in the sysroot; the script and jpeg-js are plain files
# that qemu reads from the host paths.
PREBUILDS_ONLY=1 "$qemu" -L "$sysroot" "$sysroot/usr/bin/node" scripts/smoke.cjs "$addon"
