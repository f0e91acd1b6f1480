#!/usr/bin/env bash
# Runs every fuzz target for a while, each seeded with npio's fixtures.
#
#   fuzz/run.sh [SECONDS_PER_TARGET]   (default 60; CI uses the default)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). On the stable toolchain the
# nightly-only flags are allowed with RUSTC_BOOTSTRAP=1; AddressSanitizer is used when its
# runtime is available, else the targets run without a sanitizer (Rust code is memory-safe
# outside `unsafe`; the point is panics, hangs and memory use). Any crash is saved under
# fuzz/artifacts/TARGET/: copy it to fuzz/regressions/TARGET/ so `cargo test` replays it
# (tests/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

sanitizer=address
if ! cargo fuzz build --sanitizer address header >/dev/null 2>&1; then
  echo "fuzz: AddressSanitizer unavailable here, running without a sanitizer"
  sanitizer=none
fi

seed() {  # seed TARGET FILES...
  local target=$1; shift
  mkdir -p "corpus/$target"
  cp -n "$@" "corpus/$target/" 2>/dev/null || true
  if [ -d "regressions/$target" ]; then cp -n regressions/"$target"/* "corpus/$target/" 2>/dev/null || true; fi
}
seed header ../fixtures/npy/*.npy ../fixtures/malformed/*.npy
seed npy ../fixtures/npy/*.npy ../fixtures/malformed/*.npy
# The deflate bomb is left out: it is 1 MB, over the input size limit below.
seed npz $(ls ../fixtures/npz/*.npz | grep -v deflate_bomb)

for target in header npy npz dtype; do
  echo "fuzz: $target for ${seconds}s ($sanitizer)"
  # -malloc_limit_mb: a single allocation above this is reported as a crash, so a size that
  # a file merely claims can never be allocated (inputs are at most 128 KiB; a deflated
  # member can legitimately expand ~1000x).
  # -detect_leaks=0: LeakSanitizer reports the 32-byte thread-local destructor record of a
  # worker thread (NpzReader::read_all) that std's scoped threads have finished with but the
  # OS has not yet torn down (google/sanitizers#1836-style race), a false positive; leaks in
  # safe Rust are not what this looks for, and memory use is bounded by -rss_limit_mb.
  status=0
  cargo fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -timeout=10 -detect_leaks=0 -print_final_stats=1 >"fuzz-$target.log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY)|panicked|==ERROR" "fuzz-$target.log" || true
  if [ "$status" -ne 0 ] || ls "artifacts/$target"/* >/dev/null 2>&1; then
    tail -40 "fuzz-$target.log"
    echo "fuzz: $target failed (exit $status); failing inputs: $(ls "artifacts/$target" 2>/dev/null)"
    exit 1
  fi
done
echo "fuzz: no failures"
