#!/bin/sh
# The subnet-router anycast address the kernel adds while forwarding is on: answered on lo.
. "$(dirname "$0")/common.sh"
sys net.ipv6.conf.all.forwarding=1
veth e0
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x -6 route add anycast 2001:db8:10::aa dev e0
x -6 route show table local type anycast
ask 2001:db8:10::
ask 2001:db8:10::aa
