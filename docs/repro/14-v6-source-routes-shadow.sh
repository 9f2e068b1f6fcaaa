#!/bin/sh
# A source-specific IPv6 route hides the non-source routes of the same prefix: a flow whose
# source matches no subtree entry backtracks to a shorter prefix (fib6_node_lookup_1()).
. "$(dirname "$0")/common.sh"
veth e0
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x -6 route add throw 2001:db8:77:1::/64 from fd00:10::/64
x -6 route add blackhole 2001:db8:77:1::/64
ask 2001:db8:77:1::1
x -6 route add 2001:db8:77::/48 dev e0
ask 2001:db8:77:1::1
