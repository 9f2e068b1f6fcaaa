#!/bin/sh
# A `from` address inside an AnyIP `local` range: while local and main are one trie, a more
# specific main route hides the range and the source is refused; after any rule change it is not.
. "$(dirname "$0")/common.sh"
veth e0
veth e2
x addr add 10.0.0.1/24 dev e0
x addr add 10.1.0.1/24 dev e2
x route add default via 10.0.0.254
x route add local 10.5.0.0/16 dev lo table local
x route add 10.5.1.0/24 dev e2
ask 8.8.8.8 from 10.5.1.5
ask 8.8.8.8 from 10.5.2.5
x rule add pref 100 lookup main
x rule del pref 100
ask 8.8.8.8 from 10.5.1.5
