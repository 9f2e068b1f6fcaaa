#!/bin/sh
# inet_select_addr() borrows from devices in list order; a moved-in device is last whatever its index.
. "$(dirname "$0")/common.sh"
ip netns add $N-h
x link add e0 index 20 type veth peer name e0p index 21
x link set e0 up; x link set e0p up
x addr add 10.10.0.2/24 dev e0
ip -n $N-h link add m0 index 7 type veth peer name m0p
ip -n $N-h link set m0p up
ip -n $N-h link set m0 netns $N
x link set m0 up
x addr add 10.13.0.2/24 dev m0
x link add mv0 link e0 type macvlan mode bridge   # no address: its routes borrow one
x link set mv0 up
x route add 5.5.5.0/24 dev mv0
x -br link
ask 5.5.5.5
ask 10.99.1.1 oif lo
