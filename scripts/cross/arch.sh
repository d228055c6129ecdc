# Sourced by the cross scripts: maps a Debian architecture (arm64 | armhf | s390x) to the names each tool
# uses for it, and fixes where the build and the runtime sysroot live.
cross_arch() {
  case "${1:-}" in
    arm64) triplet=aarch64-linux-gnu; qemu=qemu-aarch64-static; node_arch=arm64 ;;
    armhf) triplet=arm-linux-gnueabihf; qemu=qemu-arm-static; node_arch=arm ;;
    # Big-endian, never shipped: only proves the native code makes no byte-order assumption.
    s390x) triplet=s390x-linux-gnu; qemu=qemu-s390x-static; node_arch=s390x ;;
    *) echo "usage: $0 arm64|armhf|s390x" >&2; exit 2 ;;
  esac
  debian_arch=$1
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  out=$root/build/cross/$debian_arch
  sysroot=$out/sysroot
}
