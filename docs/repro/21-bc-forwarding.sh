#!/bin/sh
# A subnet broadcast arriving on another device: delivered to the host, or forwarded out of its
# device when bc_forwarding is on for `all` AND the arrival device (even with forwarding off).
. "$(dirname "$0")/common.sh"
veth e0
veth e2
x addr add 10.0.0.1/24 dev e0
x addr add 10.3.0.1/24 dev e2
ask 10.3.0.255 from 10.0.0.9 iif e0
sys net.ipv4.conf.all.bc_forwarding=1
ask 10.3.0.255 from 10.0.0.9 iif e0
sys net.ipv4.conf.e0.bc_forwarding=1
ask 10.3.0.255 from 10.0.0.9 iif e0
