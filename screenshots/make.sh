#!/usr/bin/env bash
# Screenshots of the real program on the teaching scenarios.
# tmux runs routescope in a demo namespace, keys and `ip` commands set the scene, the screen is
# captured with its colours, turned into SVG (examples/ansi_to_svg.rs) and then PNG.
# Usage: screenshots/make.sh   (root needed for the namespaces; writes screenshots/*.png)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rsvg-convert >/dev/null || { apt-get update -qq && apt-get install -y -qq librsvg2-bin; }
cargo build --release --quiet
cargo build --release --quiet --example ansi_to_svg
bin=$PWD/target/release/routescope
svg=$PWD/target/release/examples/ansi_to_svg
session=rs-shot-$$

# Watch lists and settings go to a throwaway state and config directory, never the user's.
export XDG_STATE_HOME=$(mktemp -d) XDG_CONFIG_HOME=$(mktemp -d)

# shoot NAME SCENARIO COLS ROWS STEP…: one picture of the TUI in the scenario's namespace after
# the steps: `g:QUERY` watches a query, `k:KEYS` sends tmux keys, `ip:ARGS` runs `ip -n NS ARGS`.
shoot() {
  local name=$1 scenario=$2 cols=$3 rows=$4
  shift 4
  local ns=rs-demo-$scenario
  # each picture starts with an empty watch list
  XDG_STATE_HOME=$(mktemp -d)
  "$bin" demo "$scenario" --no-tui >/dev/null
  tmux new-session -d -s "$session" -x "$cols" -y "$rows" "$bin -n $ns"
  sleep 1
  for step in "$@"; do
    case $step in
      g:*) tmux send-keys -t "$session" g
           tmux send-keys -t "$session" -l "${step#g:}"
           tmux send-keys -t "$session" Enter ;;
      k:*) tmux send-keys -t "$session" ${step#k:} ;;
      ip:*) ip -n "$ns" ${step#ip:} ;;
    esac
    sleep 0.7
  done
  sleep 0.5
  capture "$name"
  tmux send-keys -t "$session" q
  sleep 0.3
  tmux kill-session -t "$session" 2>/dev/null || true
}

# capture NAME: the session's screen with its colours, as screenshots/NAME.png.
capture() {
  local name=$1
  tmux capture-pane -t "$session" -e -p >"screenshots/$name.ansi"
  "$svg" <"screenshots/$name.ansi" >"screenshots/$name.svg"
  rsvg-convert --background-color='#000000' "screenshots/$name.svg" -o "screenshots/$name.png"
  rm -f "screenshots/$name.ansi" "screenshots/$name.svg"
  echo "screenshots/$name.png"
}

# lesson NAME SCENARIO COLS ROWS: `routescope demo SCENARIO` as a learner sees it, one step in.
lesson() {
  local name=$1 scenario=$2 cols=$3 rows=$4
  tmux new-session -d -s "$session" -x "$cols" -y "$rows" "$bin demo $scenario"
  sleep 1.5
  tmux send-keys -t "$session" n
  sleep 1
  capture "$name"
  tmux send-keys -t "$session" q
  sleep 0.3
  tmux send-keys -t "$session" y
  sleep 0.5
  tmux kill-session -t "$session" 2>/dev/null || true
}

trap '"$bin" demo --clean >/dev/null; tmux kill-session -t "$session" 2>/dev/null || true' EXIT
shoot lo-address lo-address 120 40 "g:5.5.5.5 from 11.22.33.44"
shoot loopback-127 loopback-127 120 40 "g:127.0.0.2"
shoot lo-slash16 lo-slash16 120 40 "g:127.1.1.1"
shoot alias-gateways alias-gateways 120 40 "g:5.5.5.5"
shoot policy-uplinks policy-uplinks 120 40 "g:5.5.5.5 ipproto tcp dport 443"
shoot policy-uplinks-80x24 policy-uplinks 80 24 "g:5.5.5.5 mark 0x2"
# the watch list: three flows, then rule 120 is deleted and the HTTPS flow moves to main
shoot watch-list policy-uplinks 120 40 "g:5.5.5.5" "g:5.5.5.5 mark 0x2" \
  "g:5.5.5.5 ipproto tcp dport 443" "ip:rule del pref 120" "k:Tab"
# zoom: the watched flow's whole explanation and its history
shoot zoom policy-uplinks 120 40 "g:5.5.5.5 ipproto tcp dport 443" "ip:rule del pref 120" \
  "k:Tab" "k:z"
# the diagnosis: equal-metric defaults with different sources
shoot findings alias-gateways 120 40 "k:!"
# nexthop objects: a group of two gateways and the route that uses it
shoot nexthops policy-uplinks 120 40 "ip:nexthop add id 1 via 198.51.100.1 dev eth0" \
  "ip:nexthop add id 2 via 203.0.113.1 dev eth1" "ip:nexthop add id 10 group 1,3/2" \
  "ip:route add 192.0.2.128/25 nhid 10 table 200" "k:o"
lesson lesson loopback-127 120 40
