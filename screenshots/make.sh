#!/usr/bin/env bash
# Screenshots of the real program on the teaching scenarios.
# tmux runs routescope in a demo namespace, the test types a query after `g`, the screen is
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

# shoot NAME SCENARIO QUERY COLS ROWS: one picture of the TUI with QUERY asked and pinned.
shoot() {
  local name=$1 scenario=$2 query=$3 cols=$4 rows=$5
  "$bin" demo "$scenario" >/dev/null
  tmux new-session -d -s "$session" -x "$cols" -y "$rows" "$bin -n rs-demo-$scenario"
  sleep 1
  if [ -n "$query" ]; then
    tmux send-keys -t "$session" g
    tmux send-keys -t "$session" -l "$query"
    tmux send-keys -t "$session" Enter
    sleep 1
  fi
  tmux capture-pane -t "$session" -e -p >"screenshots/$name.ansi"
  tmux send-keys -t "$session" q
  sleep 0.3
  tmux kill-session -t "$session" 2>/dev/null || true
  "$svg" <"screenshots/$name.ansi" >"screenshots/$name.svg"
  rsvg-convert --background-color='#000000' "screenshots/$name.svg" -o "screenshots/$name.png"
  rm -f "screenshots/$name.ansi" "screenshots/$name.svg"
  echo "screenshots/$name.png"
}

trap '"$bin" demo --clean >/dev/null; tmux kill-session -t "$session" 2>/dev/null || true' EXIT
shoot lo-address lo-address "5.5.5.5 from 11.22.33.44" 120 40
shoot loopback-127 loopback-127 "127.0.0.2" 120 40
shoot lo-slash16 lo-slash16 "127.1.1.1" 120 40
shoot alias-gateways alias-gateways "5.5.5.5" 120 40
shoot policy-uplinks policy-uplinks "5.5.5.5 ipproto tcp dport 443" 120 40
shoot policy-uplinks-80x24 policy-uplinks "5.5.5.5 mark 0x2" 80 24
