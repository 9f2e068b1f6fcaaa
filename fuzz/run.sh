#!/usr/bin/env bash
# Coverage-guided fuzzing of routescope's parsers with libFuzzer, on the stable toolchain: the
# sanitizer-coverage flags cargo-fuzz passes are stable codegen options, so neither nightly nor
# cargo-fuzz is needed (where both are installed, `cargo fuzz run TARGET` works on this crate too).
# Usage: fuzz/run.sh [SECONDS [TARGET…]]   each target runs SECONDS (default 20); the targets are
# query, snapshot, keymap, rt_tables and netlink (default: all). New inputs go to fuzz/corpus/,
# failures to fuzz/artifacts/TARGET/ and end the run with status 1.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(query snapshot keymap rt_tables netlink)
host=$(rustc -vV | sed -n 's/^host: //p')
# --target keeps the flags off build scripts and proc macros, as cargo-fuzz does
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
# not --locked: fuzz/Cargo.lock follows the main package's dependencies as they change
cargo build --release --quiet --target "$host" --bins
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="artifacts/$t/last-run.log"
  if ! "target/$host/release/$t" "corpus/$t" "seeds/$t" -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
    status=1
    echo "fuzz $t: FAILED (see fuzz/$log)"
    grep -m1 -A15 -E 'panicked|ERROR: libFuzzer' "$log" || tail -20 "$log"
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  inputs=$(find "corpus/$t" -type f | wc -l)
  echo "fuzz $t: ${runs:-?} runs in ${secs} s, coverage ${cov:-?} edges, ${inputs} inputs in fuzz/corpus/$t"
done
exit "$status"
