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
seed dtype
seed npy ../fixtures/npy/*.npy ../fixtures/malformed/*.npy ../fixtures/records/*.npy
# The deflate bomb is left out: it is 1 MB, over the input size limit below.
seed npz $(ls ../fixtures/npz/*.npz | grep -v deflate_bomb)

# The allocation limit is enforced by the targets' own allocator (limit.rs: any single
# allocation above 512 MiB aborts); prove it first: the 1 GiB deflate bomb must trip it.
echo "fuzz: the allocation limit trips on a 1 GiB array"
if cargo fuzz run --sanitizer "$sanitizer" npz ../fixtures/npz/hostile_deflate_bomb.npz \
    >fuzz-limit.log 2>&1; then
  tail -20 fuzz-limit.log
  echo "fuzz: the 1 GiB allocation went through: the limit is not enforced"
  exit 1
fi
grep -q "single allocation above the 512 MiB limit" fuzz-limit.log || {
  tail -20 fuzz-limit.log; echo "fuzz: the bomb failed for another reason"; exit 1; }
rm -rf artifacts/npz

for target in header npy npz dtype; do
  echo "fuzz: $target for ${seconds}s ($sanitizer)"
  # -detect_leaks=0: LeakSanitizer reports the 32-byte thread-local destructor record of a
  # worker thread (NpzReader::read_all) that std's scoped threads have finished with but the
  # OS has not yet torn down (google/sanitizers#1836-style race), a false positive; leaks in
  # safe Rust are not what this looks for. Memory is bounded by the targets' allocator (no
  # single allocation above 512 MiB) and by -rss_limit_mb.
  status=0
  cargo fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 \
    -timeout=10 -detect_leaks=0 -print_final_stats=1 >"fuzz-$target.log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY)|panicked|==ERROR|==npio-fuzz==" "fuzz-$target.log" || true
  # A "slow unit" (over 10 s once) on this shared 2-core machine is usually a stall of the
  # machine, not of the code: replay each one alone, and fail only if it is slow again.
  for slow in "artifacts/$target"/slow-unit-*; do
    [ -e "$slow" ] || continue
    if cargo fuzz run --sanitizer "$sanitizer" "$target" "$slow" -- -timeout=10 \
        -detect_leaks=0 >"fuzz-$target-replay.log" 2>&1; then
      echo "fuzz: $target: $(basename "$slow") was slow once and ran in time alone: not kept"
      rm -f "$slow"
    fi
  done
  if [ "$status" -ne 0 ] || ls "artifacts/$target"/* >/dev/null 2>&1; then
    tail -40 "fuzz-$target.log"
    echo "fuzz: $target failed (exit $status); failing inputs: $(ls "artifacts/$target" 2>/dev/null)"
    exit 1
  fi
done
echo "fuzz: no failures"
