#!/usr/bin/env bash
# Installs what the cross builds and their qemu smoke tests need on a Debian 12 amd64 machine (as
# root), for the architectures named (default: arm64 armhf): each one's cross compiler and
# libturbojpeg0-dev through multiarch, and qemu-user-static. Idempotent: a machine that has it all
# skips apt entirely.
set -euo pipefail
source "$(dirname "$0")/arch.sh"

architectures=("$@")
((${#architectures[@]})) || architectures=(arm64 armhf)
packages=(qemu-user-static pkg-config)
foreign=$(dpkg --print-foreign-architectures)
for arch in "${architectures[@]}"; do
  cross_arch "$arch"
  packages+=("g++-$triplet" "libturbojpeg0-dev:$arch")
  grep -qx "$arch" <<<"$foreign" || dpkg --add-architecture "$arch"
done

# Installed for the given architecture (the host's when none is given). Not `dpkg -s`: once a
# Multi-Arch: same package is installed for two architectures its bare name is ambiguous there.
installed() {
  local name=${1%%:*} arch=${1#*:}
  [[ $arch != "$1" ]] || arch=$(dpkg --print-architecture)
  dpkg-query -W -f='${Architecture} ${db:Status-Abbrev}\n' "$name" 2>/dev/null | grep -qE "^($arch|all) ii"
}

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "cross: installing ${missing[*]}"
  # A mirror mid-sync can fail one foreign index (seen: bookworm-security armhf); the packages
  # needed come from bookworm main, so go on and let apt-get install say if one is really missing.
  apt-get update -qq || echo "cross: apt-get update reported errors; continuing with the indexes it got" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
