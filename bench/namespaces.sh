# Sourced by the benchmarks: the throwaway namespaces they measure in (root needed).

# `one_link NS`: namespace NS with lo up and one veth v0 (peer v1, both up), 100.64.0.1/16 on v0;
# the routes of bench/dump.sh and bench/origin.sh go via 100.64.0.2.
one_link() {
  local ns=$1
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add v0 type veth peer name v1
  ip -n "$ns" link set v0 up
  ip -n "$ns" link set v1 up
  ip -n "$ns" addr add 100.64.0.1/16 dev v0
}

# `uplinks NS`: namespace NS with lo up and the two veth uplinks of the synthetic full view
# (198.18.I.2/24 and 2001:db8:0:I+1::2/64 on upI, their routers as permanent neighbours), which
# the generated routes of bench/fullview.py go through.
uplinks() {
  local ns=$1 i
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  for i in 0 1; do
    ip -n "$ns" link add "up$i" type veth peer name "up${i}p"
    ip -n "$ns" link set "up$i" up
    ip -n "$ns" link set "up${i}p" up
    ip -n "$ns" addr add "198.18.$i.2/24" dev "up$i"
    ip -n "$ns" addr add "2001:db8:0:$((i + 1))::2/64" dev "up$i" nodad
    ip -n "$ns" neigh add "198.18.$i.1" lladdr "02:00:00:00:0$i:01" dev "up$i" nud permanent
    ip -n "$ns" neigh add "2001:db8:0:$((i + 1))::1" lladdr "02:00:00:00:0$i:01" dev "up$i" nud permanent
  done
}

# `view_size V4 V6`: the synthetic full view's size and mix from a script's arguments and the
# environment, as bench/fullview.py generates it: v4, v6 (V4 × 2/11 by default), rules (RULES a
# family) and seed (SEED).
view_size() {
  v4=${1:-1100000}
  v6=${2:-$((v4 * 2 / 11))}
  rules=${RULES:-1000}
  seed=${SEED:-1}
}

# `load_view NS DIR`: namespace NS with the uplinks, holding the view bench/fullview.py generated
# into DIR.
load_view() {
  uplinks "$1"
  ip -n "$1" -batch "$2/v4.batch"
  ip -n "$1" -6 -batch "$2/v6.batch"
}
