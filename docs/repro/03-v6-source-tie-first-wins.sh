#!/bin/sh
# Two equally good IPv6 sources: the kernel keeps the first in its list (the newest address).
. "$(dirname "$0")/common.sh"
veth e0
x -6 addr add 2001:db8:15::2/64 dev e0 nodad
x -6 addr add 2001:db8:15::3/64 dev e0 nodad
x -6 route add default via 2001:db8:15::1 dev e0
x -6 addr show dev e0 scope global
ask 2001:db8:77::5
