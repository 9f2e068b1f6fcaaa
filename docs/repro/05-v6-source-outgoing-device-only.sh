#!/bin/sh
# Multicast and link-local destinations take their source from the outgoing device only.
. "$(dirname "$0")/common.sh"
veth e0
veth e1
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x -6 addr add 2001:db8:11::2/64 dev e1   # tentative: DAD still runs
ask fe80::1 oif e1
ask ff02::1 oif e1
