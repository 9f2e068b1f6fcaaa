#!/bin/sh
# Strict IPv6 lookups (oif without source; link-local/multicast/loopback destinations on input)
# reject routes not on the device, and error routes sit on lo.
. "$(dirname "$0")/common.sh"
veth e0
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x -6 route add prohibit 2001:db8:77:1::/64
x -6 route add 2001:db8:77::/48 dev e0
x -6 route add unreachable default
ask 2001:db8:77:1::1 oif e0
ask 2001:db8:99::1 oif e0
ask ::1 from 2001:db8:10::9 iif e0
ask ff05::1:3 from 2001:db8:10::9 iif e0
