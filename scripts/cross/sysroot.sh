#!/usr/bin/env bash
# Unpacks Debian's own nodejs (18.x) and the libraries it and the addon load for one ARM
# architecture into build/cross/<arch>/sysroot, for qemu-user's -L. Debian's nodejs cannot be
# installed next to a host Node that is itself a `nodejs` package (Multi-Arch: allowed), and the
# foreign libraries' versions need not match the host's, so nothing here goes through dpkg -i.
set -euo pipefail
source "$(dirname "$0")/arch.sh"
cross_arch "${1:-}"

if [[ -x $sysroot/usr/bin/node ]]; then
  echo "cross: sysroot for $debian_arch already unpacked"
  exit 0
fi

# The runtime closure of nodejs and libturbojpeg0 on Debian 12 (what `ldd node` and the addon's
# NEEDED entries resolve to), plus the arch-independent modules Debian's node loads from
# /usr/share/nodejs instead of bundling them.
libraries=(nodejs libnode108 libc6 libgcc-s1 libstdc++6 libbrotli1 libc-ares2 libicu72
  libnghttp2-14 libssl3 libuv1 zlib1g libturbojpeg0)
shared=(node-acorn node-cjs-module-lexer node-undici node-busboy node-xtend)

debs=$out/debs
rm -rf "$debs" "$sysroot.partial"
mkdir -p "$debs" "$sysroot.partial"
(cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "${libraries[@]/%/:$debian_arch}" "${shared[@]}")
for deb in "$debs"/*.deb; do
  dpkg-deb -x "$deb" "$sysroot.partial"
done
rm -rf "$sysroot"
mv "$sysroot.partial" "$sysroot"
echo "cross: unpacked $(ls "$debs" | wc -l) packages into $sysroot"
