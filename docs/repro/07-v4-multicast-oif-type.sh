#!/bin/sh
# A multicast destination with oif and no route through it: the kernel types the answer multicast.
. "$(dirname "$0")/common.sh"
veth e0
x addr add 10.10.0.2/24 dev e0
ask 239.1.1.1 oif e0
ask 239.1.1.1 from 10.10.0.2 oif e0
