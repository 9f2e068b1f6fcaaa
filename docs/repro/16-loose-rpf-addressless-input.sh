#!/bin/sh
# Loose rp_filter on an input device without IPv4 addresses rejects any source whose route back
# does not use that device (__fib_validate_source(): no_addr -> last_resort -> reject).
. "$(dirname "$0")/common.sh"
sys net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2
veth e0
veth e1
x addr add 10.10.0.2/24 dev e0
x addr add 10.11.0.2/24 dev e1
x link add mv0 link e0 type macvlan mode bridge
x link set mv0 up
ask 10.10.0.9 from 10.11.0.9 iif mv0
ask 10.10.0.9 from 10.11.0.9 iif e0
