#!/bin/sh
# nexthop_compat_mode=0: route dumps carry only the nexthop id; routescope loses the device.
. "$(dirname "$0")/common.sh"
sys net.ipv4.nexthop_compat_mode=0
veth e0
x addr add 10.10.0.2/24 dev e0
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x nexthop add id 1 via 10.10.0.1 dev e0
x nexthop add id 6 via fe80::1 dev e0
x route add 5.5.5.0/24 nhid 1
x route add default nhid 6
x -6 route add 2001:db8:77::/48 nhid 6
x route show
ask 5.5.5.5
ask 8.8.8.8
ask 2001:db8:77::1
