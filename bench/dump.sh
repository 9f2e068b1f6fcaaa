#!/usr/bin/env bash
# Dump benchmark: load N IPv4 routes into a throwaway namespace, then time
# `routescope dump --json` against `ip -j route show table all` in the same run,
# and report routescope's peak resident memory per route.
# Usage: bench/dump.sh [N]   (default 1000000; root needed for the namespace)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${RUNS:-3}
ns="rs-bench-$$"
bin=target/release/routescope

cargo build --release --quiet
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
ip -n "$ns" addr add 100.64.0.1/16 dev v0

echo "loading $n routes…"
python3 - "$n" >"/tmp/$ns.batch" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    a = 1 + (i >> 16)
    print(f"route add {a}.{(i >> 8) & 255}.{i & 255}.0/24 via 100.64.0.2 dev v0")
PY
ip -n "$ns" -batch "/tmp/$ns.batch"
rm -f "/tmp/$ns.batch"
count=$(ip -n "$ns" route show table all | wc -l)
echo "namespace holds $count routes (all tables)"

# Median wall time in seconds of a command over $runs runs.
median() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

ip_t=$(median ip -n "$ns" -j route show table all)
rs_t=$(median "$bin" -n "$ns" dump --json)
ip_txt=$(median ip -n "$ns" route show table all)
rs_txt=$(median "$bin" -n "$ns" dump)
rss_kb=$(/usr/bin/time -f %M "$bin" -n "$ns" dump --json 2>&1 >/dev/null | tail -1)
printf '\n%-44s %8s s\n' "ip -j route show table all" "$ip_t"
printf '%-44s %8s s   ratio %.2f (routescope / ip)\n' "routescope dump --json" "$rs_t" "$(awk -v a="$rs_t" -v b="$ip_t" 'BEGIN { print a / b }')"
printf '%-44s %8s s\n' "ip route show table all (text)" "$ip_txt"
printf '%-44s %8s s   ratio %.2f\n' "routescope dump (text)" "$rs_txt" "$(awk -v a="$rs_txt" -v b="$ip_txt" 'BEGIN { print a / b }')"
printf '%-44s %8s MiB   %.0f bytes/route\n' "routescope dump --json peak RSS" "$((rss_kb / 1024))" "$(awk -v a="$rss_kb" -v b="$count" 'BEGIN { print a * 1024 / b }')"
