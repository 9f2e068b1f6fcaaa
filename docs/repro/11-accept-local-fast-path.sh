#!/bin/sh
# With rp_filter off, accept_local on the input device accepts any source unchecked
# (fib_validate_source() fast path); a local source on lo passes the strict check.
. "$(dirname "$0")/common.sh"
sys net.ipv4.ip_forward=1
veth e0
veth e1
x addr add 10.10.0.2/24 dev e0
x addr add 10.11.0.2/24 dev e1
x rule add pref 100 fwmark 7 prohibit   # any custom rule forces the full check otherwise
sys net.ipv4.conf.e0.accept_local=1
ask 10.11.0.9 from 10.11.0.255 iif e0
sys net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.all.accept_local=1
ask 10.11.0.255 from 10.11.0.2 iif lo
