#!/bin/sh
# A route through a nexthop object whose nexthop fails the oif test ends the whole trie leaf:
# the plain route of the same prefix behind it is skipped (fib_table_lookup(): goto miss).
. "$(dirname "$0")/common.sh"
veth e0
veth e2
x addr add 10.10.0.2/24 dev e0
x addr add 10.12.0.2/24 dev e2
x nexthop add id 2 via 10.12.0.1 dev e2
x route add default nhid 2
x route add default via 10.10.0.1 dev e0 metric 100
ask 10.99.1.1 oif e0
