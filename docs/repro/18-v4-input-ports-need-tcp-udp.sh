#!/bin/sh
# IPv4 input lookups read ports from a synthetic packet: an ICMP packet has none,
# so `dport 53` rules do not match `ipproto icmp dport 53` queries with iif.
. "$(dirname "$0")/common.sh"
sys net.ipv4.ip_forward=1
veth e0
veth e1
x addr add 10.10.0.2/24 dev e0
x addr add 10.11.0.2/24 dev e1
x rule add pref 100 dport 53 prohibit
ask 10.10.0.9 from 10.11.0.9 iif e1 ipproto icmp dport 53
ask 10.10.0.9 from 10.11.0.9 iif e1 ipproto udp dport 53
