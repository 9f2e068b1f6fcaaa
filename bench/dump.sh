#!/usr/bin/env bash
# Dump benchmark: load N IPv4 routes into a throwaway namespace, then time
# `routescope dump --json` against `ip -j route show table all` and against the iproute2 set
# that reads what a dump holds (`ip -j link; ip -j addr; ip -j -4 rule; ip -j -6 rule;
# ip -j -4 route show table all; ip -j -6 route show table all`) in the same run, each run's
# ratio and the median and spread over runs, the JSON bytes per route of both, and
# routescope's peak resident memory per route.
# Usage: bench/dump.sh [N]   (default 1000000; RUNS=3; root needed for the namespace)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/namespaces.sh
n=${1:-1000000}
runs=${RUNS:-3}
ns="rs-bench-$$"
bin=target/release/routescope

cargo build --release --quiet
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
one_link "$ns"

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

# The iproute2 set: everything `dump --json` holds, as iproute2 prints it.
ip_set() {
  ip -n "$ns" -j link
  ip -n "$ns" -j addr
  ip -n "$ns" -j -4 rule
  ip -n "$ns" -j -6 rule
  ip -n "$ns" -j -4 route show table all
  ip -n "$ns" -j -6 route show table all
}

# Wall time in seconds of one run of a command.
once() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

ratios=()
for i in $(seq "$runs"); do
  set_t=$(once ip_set)
  rs_t=$(once "$bin" -n "$ns" dump --json)
  r=$(awk -v a="$rs_t" -v b="$set_t" 'BEGIN { printf "%.2f", a / b }')
  ratios+=("$r")
  printf 'run %d: iproute2 set %s s, routescope dump --json %s s, ratio %s\n' "$i" "$set_t" "$rs_t" "$r"
done
sorted=$(printf '%s\n' "${ratios[@]}" | sort -n)
printf 'dump --json / iproute2 set: median %s, spread %s–%s over %d runs\n' \
  "$(sed -n "$(((runs + 1) / 2))p" <<<"$sorted")" "$(head -1 <<<"$sorted")" "$(tail -1 <<<"$sorted")" "$runs"

ip_t=$(median ip -n "$ns" -j route show table all)
rs_t=$(median "$bin" -n "$ns" dump --json)
ip_txt=$(median ip -n "$ns" route show table all)
rs_txt=$(median "$bin" -n "$ns" dump)
rss_kb=$(/usr/bin/time -f %M "$bin" -n "$ns" dump --json 2>&1 >/dev/null | tail -1)
# bytes per route: routescope's whole dump, and iproute2's route lists of both families
rs_bytes=$("$bin" -n "$ns" dump --json | wc -c)
ip_bytes=$( (ip -n "$ns" -j -4 route show table all; ip -n "$ns" -j -6 route show table all) | wc -c)
routes=$("$bin" -n "$ns" dump --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["routes"]))')
printf '\n%-44s %8s s\n' "ip -j route show table all" "$ip_t"
printf '%-44s %8s s   ratio %.2f (routescope / ip)\n' "routescope dump --json" "$rs_t" "$(awk -v a="$rs_t" -v b="$ip_t" 'BEGIN { print a / b }')"
printf '%-44s %8s s\n' "ip route show table all (text)" "$ip_txt"
printf '%-44s %8s s   ratio %.2f\n' "routescope dump (text)" "$rs_txt" "$(awk -v a="$rs_txt" -v b="$ip_txt" 'BEGIN { print a / b }')"
printf '%-44s %8.1f bytes/route (whole dump, %d routes)\n' "routescope dump --json size" "$(awk -v a="$rs_bytes" -v b="$routes" 'BEGIN { print a / b }')" "$routes"
printf '%-44s %8.1f bytes/route (route lists only)\n' "ip -j -4/-6 route show table all size" "$(awk -v a="$ip_bytes" -v b="$routes" 'BEGIN { print a / b }')"
printf '%-44s %8s MiB   %.0f bytes/route\n' "routescope dump --json peak RSS" "$((rss_kb / 1024))" "$(awk -v a="$rss_kb" -v b="$count" 'BEGIN { print a * 1024 / b }')"
