#!/bin/sh
# 224.0.0.1 arriving on any IPv4 device (lo included) is joined: the kernel delivers it.
. "$(dirname "$0")/common.sh"
veth e0
x addr add 10.10.0.2/24 dev e0
ask 224.0.0.1 from 10.10.0.9 iif e0
ask 224.0.0.1 from 10.12.0.9 iif lo
ask 239.1.1.1 from 10.10.0.9 iif e0
