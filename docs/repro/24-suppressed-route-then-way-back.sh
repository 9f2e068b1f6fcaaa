#!/bin/sh
# A rule whose suppress option rejects the route its table found does not end the walk: the
# kernel's fib trace shows that table found twice (fib_rules_lookup: `continue` after
# fib4_rule_suppress). For `get D from D iif DEV` the rp_filter way back has the walk's own
# destination, source and iif when the packet leaves by DEV, and is told apart by its place
# only; routescope's trace reader took the first route found as the walk's end (seed 11).
. "$(dirname "$0")/common.sh"
veth e0
veth e1
x link set e0 group 5
x addr add 10.10.0.2/24 dev e0
x addr add 10.11.0.2/24 dev e1
x rule add pref 100 lookup main suppress_ifgroup 0
# trace QUERY...: the kernel's walk as routescope reads it
trace() { "$RS" -n $N get "$@" 2>&1 | grep -E '^Trace|also |DISAGREE' | sed 's/^/   /'; }
# forwarding off: local, main (via e1, group 0: rejected), main again; EHOSTUNREACH, no way back
ask 10.11.0.9 from 10.11.0.9 iif e0
trace 10.11.0.9 from 10.11.0.9 iif e0
sys net.ipv4.conf.all.forwarding=1
# forwarded out of e1: the way back runs with iif e1
ask 10.11.0.9 from 10.11.0.9 iif e0
trace 10.11.0.9 from 10.11.0.9 iif e0
# forwarded back out of e0 (now in group 0 too): the way back is the same flow, the walk twice
x link set e0 group 0
ask 10.10.0.9 from 10.10.0.9 iif e0
trace 10.10.0.9 from 10.10.0.9 iif e0
