#!/usr/bin/env bash
# The npm package as a user gets it: packs dist/ and prebuilds/ (scripts/prebuild.sh first),
# installs the tarball into an empty app, runs its install step the way `npm rebuild` does, and
# imports it. The install step must pick the prebuild and compile nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[[ -d prebuilds/linux-$(node -p process.arch) ]] || { echo "check-package: run scripts/prebuild.sh first" >&2; exit 1; }

app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
npm run --silent build
tarball=$(npm pack --ignore-scripts --silent --pack-destination "$app" | tail -n1)
cd "$app"
echo '{ "name": "app", "private": true, "type": "module" }' > package.json
# --prefer-offline, not --offline: resolving the package's dependency ranges needs their
# packuments, which `npm ci` never caches, so a machine with a fresh npm cache must reach the registry.
install_log=$(npm install --prefer-offline --ignore-scripts --no-audit --no-fund "./$tarball" 2>&1) || {
  echo "$install_log" >&2
  echo "check-package: npm install of the packed tarball failed" >&2
  exit 1
}
output=$(npm rebuild turbocam --foreground-scripts 2>&1)
grep -q 'turbocam: using the prebuilt addon prebuilds/' <<<"$output" || { echo "$output" >&2; echo "check-package: the install step did not use the prebuild" >&2; exit 1; }
[[ ! -e node_modules/turbocam/build ]] || { echo "check-package: the install step compiled the addon" >&2; exit 1; }
node --input-type=module -e "
  const { native } = await import('$app/node_modules/turbocam/dist/native.js');
  if (!native.formats.some((format) => format.name === 'yuyv')) throw new Error('unexpected format table');
  console.log('check-package: installed package loads ' + '$tarball' + ' from its prebuild, ' + native.formats.length + ' formats');"
# Both commands are installed: the package's own and µStreamer's command line in front of it.
for bin in turbocam turbocam-ustreamer; do
  node_modules/.bin/$bin --help | grep -q "^Usage: $bin" || { echo "check-package: $bin --help failed" >&2; exit 1; }
done
