#!/bin/sh
# Source selection rule 6 (matching label): a ULA source loses to a label-1 global for fe80::/ff00::.
. "$(dirname "$0")/common.sh"
veth e0
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x -6 addr add fd00:10::2/64 dev e0 nodad
ask fe80::1 oif e0
ask ff0e::1
