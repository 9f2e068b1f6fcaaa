#!/bin/sh
# Any route with a realm makes every source check a full one (fib_num_tclassid_users()),
# even with rp_filter off: a loopback source of a broadcast is then refused.
. "$(dirname "$0")/common.sh"
veth e1
x addr add 10.11.0.2/24 dev e1
ask 255.255.255.255 from 127.1.2.3 iif e1
x route add 192.0.2.0/28 dev e1 realm 2
ask 255.255.255.255 from 127.1.2.3 iif e1
