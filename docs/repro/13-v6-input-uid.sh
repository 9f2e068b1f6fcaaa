#!/bin/sh
# IPv6 input lookups without `uid` run with INVALID_UID (so `uidrange 0-0` does not match),
# but routescope's kernel request always carries RTA_UID 0: the kernel then matches it.
. "$(dirname "$0")/common.sh"
veth e0
veth e1
x -6 addr add 2001:db8:10::2/64 dev e0 nodad
x -6 addr add 2001:db8:11::2/64 dev e1 nodad
x -6 rule add pref 100 uidrange 0-0 prohibit
ask 2001:db8:10::9 from 2001:db8:11::9 iif e1
echo "## what ip (no RTA_UID) and an explicit uid 0 say"
x -6 route get 2001:db8:10::9 from 2001:db8:11::9 iif e1 2>&1 | sed 's/^/   /'
x -6 route get 2001:db8:10::9 from 2001:db8:11::9 iif e1 uid 0 2>&1 | sed 's/^/   /'
