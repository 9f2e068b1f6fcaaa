#!/bin/sh
# The IPv4 source of a route through a nexthop object (fib_result_prefsrc): an IPv6 nexthop
# keeps no IPv4 source, so one is selected on each lookup with the route's scope and no gateway
# to match (broadcast and multicast too); an IPv4 nexthop caches the source selected at its
# creation with the scope below its own, and after any IPv4 address or link change reselects
# it with the route's scope. routescope answers with the cached one and names the other.
. "$(dirname "$0")/common.sh"
sys net.ipv4.nexthop_compat_mode=0
veth e0
x addr add 10.10.0.2/24 dev e0
x addr add 10.10.1.9/24 dev e0 scope link
x addr add 10.10.2.5/24 dev e0 scope site
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x nexthop add id 5 via 2001:db8:10::1 dev e0
x route add default nhid 5
ask 8.8.8.8
ask 255.255.255.255
ask 224.0.0.1
x nexthop add id 20 via 10.20.0.1 dev e0 onlink
x route add 198.51.100.0/24 nhid 20
ask 198.51.100.7
x addr add 10.10.3.3/24 dev e0
ask 198.51.100.7
