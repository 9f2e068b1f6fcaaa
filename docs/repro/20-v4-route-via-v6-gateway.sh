#!/bin/sh
# An IPv4 route through an IPv6 gateway (RTA_VIA): the kernel's answer names the IPv6 gateway.
. "$(dirname "$0")/common.sh"
veth e0
x addr add 10.10.0.2/24 dev e0
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x route add 198.51.100.0/24 via inet6 2001:db8:10::1 dev e0
x route add 203.0.113.0/24 via inet6 fe80::1 dev e0
ask 198.51.100.7
ask 203.0.113.9
