#!/bin/sh
# IPv6 multicast destination asked as input (iif): the kernel answers EMSGSIZE.
. "$(dirname "$0")/common.sh"
veth e0
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
ask ff05::1:3 from 2001:db8:10::9 iif e0
ask ff02::1 from fe80::9 iif e0
