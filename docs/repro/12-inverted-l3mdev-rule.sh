#!/bin/sh
# `not ... l3mdev`: matches every flow outside a VRF and then looks up table 0, i.e. main.
. "$(dirname "$0")/common.sh"
veth e0
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x addr add 10.10.0.2/24 dev e0
x -6 rule add pref 100 not oif lo l3mdev
x -6 rule add pref 200 blackhole
x rule add pref 100 not l3mdev
x rule add pref 200 blackhole
x -6 rule
ask fe80::10:1 oif e0
ask 2001:db8:10::9
ask 10.10.0.9
