#!/usr/bin/env bash
# Builds the libFuzzer targets of native/tools/fuzz with clang (ASan + UBSan) and runs each for a
# bounded time, starting from a copy of the committed seed corpus. Exits non-zero when a target
# crashes; the crashing input is left in build-fuzz/artifacts/<target>/ (commit it under
# native/tools/fuzz/regressions/<target>/ so test/unit/fuzz-regressions.test.ts replays it).
#   scripts/fuzz.sh [seconds-per-target]     (default 60; needs clang and libclang-rt-14-dev)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
CXX="${FUZZ_CXX:-$(command -v clang++-14 || command -v clang++ || true)}"
if [ -z "$CXX" ]; then
  echo "fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
OUT=build-fuzz
mkdir -p "$OUT"
FLAGS=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Inative)

declare -A SOURCES=(
  [mjpeg_splitter]="native/sources/pipe/mjpeg_splitter.cc"
  [mjpeg_normaliser]="native/encoder/mjpeg_normaliser.cc native/encoder/scan_end.cc native/encoder/standard_huffman_tables.cc native/error.cc"
)

status=0
for target in mjpeg_splitter mjpeg_normaliser; do
  binary="$OUT/${target}_fuzz"
  # shellcheck disable=SC2086
  nice -n 10 "$CXX" "${FLAGS[@]}" "native/tools/fuzz/${target}_fuzz.cc" ${SOURCES[$target]} -o "$binary"
  corpus="$OUT/corpus/$target"
  artifacts="$OUT/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  cp -n native/tools/fuzz/corpus/"$target"/* "$corpus"/
  # Known crashers first: a regression fails the run before any new fuzzing.
  if [ -d "native/tools/fuzz/regressions/$target" ]; then
    "$binary" -runs=1 native/tools/fuzz/regressions/"$target"/* >/dev/null 2>&1 || { echo "fuzz: $target regression input crashes again" >&2; status=1; continue; }
  fi
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  if ! nice -n 10 "$binary" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" 2>"$OUT/$target.log"; then
    echo "fuzz: $target FAILED; see $OUT/$target.log and $artifacts/" >&2
    tail -40 "$OUT/$target.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_runs|cov:" "$OUT/$target.log" | tail -2
  fi
done
exit $status
