#!/usr/bin/env bash
# Full-view benchmark (issue #11): builds in a throwaway namespace a synthetic Internet full view
# (V4 IPv4 and V6 IPv6 routes with an Internet-like prefix-length mix, two veth uplinks, policy
# table 100, RULES rules of mixed selectors per family; generated deterministically from SEED by
# bench/fullview.py, loaded with `ip -batch`), then measures each figure against its yardstick in
# the same run, RUNS times, and prints each run's ratio and the median and spread over runs:
#   - `dump --json` vs the iproute2 set `ip -j link; ip -j addr; ip -j -4 rule; ip -j -6 rule;
#     ip -j -4 route show table all; ip -j -6 route show table all`, the JSON bytes per route
#     of both, and the peak resident memory per route of `dump --json`;
#   - one-shot `get` (IPv4, IPv6; with and without the kernel check) vs `ip -j -4|-6 route show
#     table all`, and its peak resident memory per route of the family it loads, also above the
#     fixed cost any run has (`get` in an empty namespace);
#   - `get --batch --no-kernel`, queries/s after the load, vs the kernel answering the same
#     queries through `ip -batch` (`route get` lines);
#   - in-process (benches/fullview.rs in the namespace): `resolve` and `explain` median per query
#     vs the kernel's `route get` per query through `ip -batch`, and `State::apply` route changes/s
#     vs the kernel applying the same changes through `ip -batch`.
# The namespace and the temporary files are removed at the end and on failure.
# Usage: bench/fullview.sh [V4 [V6]]   (default 1100000 200000; root needed)
#        RUNS=5 RULES=1000 QUERIES=100000 BATCH=1000000 CHANGES=100000 SEED=1; e.g.
#        `bench/fullview.sh 100000`
#        for a quick run (V6 then defaults to V4 × 2/11). The `get --batch` figure answers the
#        QUERIES repeated to BATCH lines, and subtracts a run of one query (the load).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/namespaces.sh
view_size "$@"
runs=${RUNS:-5}
queries=${QUERIES:-100000}
batch=${BATCH:-1000000}
changes=${CHANGES:-100000}
ns="rs-fullview-$$"
tmp=$(mktemp -d /tmp/rs-fullview.XXXXXX)
bin=target/release/routescope

cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cargo build --release --quiet
driver=$(cargo bench --bench fullview --no-run 2>&1 | grep -o 'target/release/deps/fullview-[0-9a-f]*' | tail -1)
[ -x "$driver" ] || { echo "fullview: the in-process driver was not built" >&2; exit 1; }

echo "generating the view (seed $seed): $v4 IPv4 routes, $v6 IPv6 routes, $rules rules per family"
python3 bench/fullview.py generate "$tmp" "$v4" "$v6" "$rules" "$queries" "$changes" "$seed" "$batch"

t0=$(date +%s.%N)
load_view "$ns" "$tmp"
t1=$(date +%s.%N)
echo "loaded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s:" \
  "$(ip -n "$ns" -4 route show table all | wc -l) IPv4 routes," \
  "$(ip -n "$ns" -6 route show table all | wc -l) IPv6 routes," \
  "$(ip -n "$ns" -4 rule | wc -l) + $(ip -n "$ns" -6 rule | wc -l) rules"
echo "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores, shared)"

python3 bench/fullview.py measure "$tmp" "$ns" "$bin" "$driver" "$runs"
