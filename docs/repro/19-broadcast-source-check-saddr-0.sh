#!/bin/sh
# The source check of a broadcast runs the route back with no source address (saddr 0), not
# the broadcast destination, so `from` rules of the route back see 0.0.0.0.
. "$(dirname "$0")/common.sh"
veth e0
veth e1
x addr add 10.10.0.2/24 dev e0
x addr add 10.11.0.2/24 dev e1
sys net.ipv4.conf.all.rp_filter=1
x rule add pref 100 iif lo from 10.11.0.0/16 unreachable
ask 10.11.0.255 from 10.10.0.9 iif e0
