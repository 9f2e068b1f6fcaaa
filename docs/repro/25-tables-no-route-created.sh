#!/bin/sh
# An IPv4 fib table exists only once a route was added to it (fib_new_table), and stays, empty,
# after its last route is deleted; the kernel looks up, and traces, only tables that exist. A dump
# shows routes, not tables, so a lookup of a table without routes, which finds nothing, may be in
# the fib trace or not. In a new namespace routescope's merged walk looked up main where the
# kernel traced nothing, and `get` called it a disagreement (exit 3).
. "$(dirname "$0")/common.sh"
# common.sh set lo up, which added local routes and so made main: start again with lo down
ip netns del $N
ip netns add $N
# trace QUERY...: the kernel's walk as routescope reads it, the tables set apart, get's status
trace() {
  out=$("$RS" -n $N get "$@" 2>&1)
  st=$?
  printf '%s\n' "$out" | grep -E '^Trace|^ +table |DISAGREE' | sed 's/^/   /'
  echo "   get exits $st"
}
# a new namespace: no IPv4 table exists, the kernel looks nothing up (ENETUNREACH, exit 1)
ask 127.0.0.1
trace 127.0.0.1
ask 8.8.8.8
trace 8.8.8.8
# IPv6 main and local always exist, and a rule makes its table: both sides look them up
x -6 rule add pref 100 lookup 300
ask 2001:db8::1
trace 2001:db8::1
# a rule to table 300, which never had a route: there is still no table to look up
x rule add pref 100 lookup 300
ask 8.8.8.8
trace 8.8.8.8
# a route added to 300 and deleted: 300 exists, empty, and the kernel looks it up
x route add unreachable 10.9.0.0/16 table 300
x route del unreachable 10.9.0.0/16 table 300
ask 8.8.8.8
trace 8.8.8.8
# lo up: local gets routes (with a custom rule, local is a table of its own: main stays absent)
x link set lo up
ask 8.8.8.8
trace 8.8.8.8
# a new namespace with lo up (the merged local made main) and default emptied: main is looked
# up on both sides, default by the kernel only
ip netns del $N
ip netns add $N
x link set lo up
x route add unreachable 10.9.0.0/16 table default
x route del unreachable 10.9.0.0/16 table default
ask 8.8.8.8
trace 8.8.8.8
