#!/usr/bin/env bash
# TUI start on a full view (issue #11): builds the synthetic full view of bench/fullview.sh
# (V4 IPv4 and V6 IPv6 routes, RULES rules per family, from SEED) in a throwaway namespace, then
# starts `routescope -n NS` in tmux RUNS times and measures, from outside (tmux screen polls, so
# an upper bound by the poll's few ms) and from inside (the milestones the TUI logs at `info`):
#   - the first frame: the status line is on the screen;
#   - the full view: the status line shows every route the kernel holds;
#   - the TUI's peak resident memory (VmHWM) two seconds after the full view (the diagnosis and the
#     other panes have run on it by then), in MiB and in bytes per route;
# then presses q and checks the program exited 0. Prints each run and the median and spread.
# Usage: bench/tui_load.sh [V4 [V6]]   (default 1100000 200000; root needed)
#        RUNS=5 RULES=1000 SEED=1 BIN=target/release/routescope (BIN: builds to compare, comma-
#        separated, each measured in the same namespace; given, nothing is built)
#        NS=name measures an existing namespace as it is (nothing generated, nothing removed)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/namespaces.sh
view_size "$@"
runs=${RUNS:-5}
bin=${BIN:-target/release/routescope}
ns=${NS:-rs-tuiload-$$}
keep=${NS:+yes}
tmp=$(mktemp -d /tmp/rs-tuiload.XXXXXX)

cleanup() {
  tmux -L "$ns" kill-server 2>/dev/null || true
  [ -n "$keep" ] || ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ -n "${BIN:-}" ] || cargo build --release --quiet
if [ -z "$keep" ]; then
  echo "generating the view (seed $seed): $v4 IPv4 routes, $v6 IPv6 routes, $rules rules per family"
  python3 bench/fullview.py generate "$tmp" "$v4" "$v6" "$rules" 10 10 "$seed" 10

  load_view "$ns" "$tmp"
fi
count() { ip -n "$ns" -j "$1" route show table all | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
total=$(( $(count -4) + $(count -6) ))
echo "loaded: $total routes in all tables; load average $(cut -d' ' -f1-3 /proc/loadavg) (2 cores, shared)"

python3 - "$ns" "$bin" "$runs" "$total" "$tmp" <<'PY'
import os, re, statistics, subprocess, sys, time
ns, binaries, runs, total, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
tmux = lambda *a: subprocess.run(["tmux", "-L", ns, "-f", "/dev/null", *a], capture_output=True, text=True)
screen = lambda: tmux("capture-pane", "-t", ns, "-p").stdout
for binary in binaries.split(","):
    print(f"{binary}:")
    figures = {"first": [], "full": [], "log_first": [], "log_full": [], "peak": []}
    for run in range(runs):
        state = f"{tmp}/state{binary.replace('/', '_')}{run}"
        os.makedirs(state)
        tmux("kill-server")
        shell = "env PS1='$ ' XDG_STATE_HOME=%s XDG_CONFIG_HOME=%s ROUTESCOPE_LOG=info bash --norc --noprofile" % (state, state)
        deadline = time.monotonic() + 10
        # the server killed just before may still be going away: start again until the prompt shows
        while "$" not in screen():
            if time.monotonic() > deadline:
                sys.exit("tmux did not start a shell within 10 s")
            if tmux("has-session", "-t", ns).returncode != 0:
                tmux("new-session", "-d", "-s", ns, "-x", "120", "-y", "40", shell)
            time.sleep(0.05)
        tmux("send-keys", "-t", ns, "-l", f"{binary} -n {ns}; echo EXITED-$?")
        tmux("send-keys", "-t", ns, "Enter")
        start = time.monotonic()
        first = full = None
        while time.monotonic() - start < 60:
            text = screen()
            now = time.monotonic() - start
            if first is None and ("loading:" in text or " routes" in text):
                first = now
            found = re.search(r"· (\d+) routes", text)
            if found and int(found.group(1)) >= total * 0.999:
                full = now
                first = first or now
                break
        peak = None
        if full:
            time.sleep(2)
            shell_pid = tmux("display-message", "-p", "-t", ns, "#{pane_pid}").stdout.strip()
            children = subprocess.run(["pgrep", "-P", shell_pid], capture_output=True, text=True).stdout.split()
            for pid in children:
                try:
                    status = open(f"/proc/{pid}/status").read()
                except OSError:
                    continue
                hwm = re.search(r"VmHWM:\s+(\d+) kB", status)
                if hwm and os.path.basename(binary) in open(f"/proc/{pid}/cmdline").read():
                    peak = int(hwm.group(1)) * 1024
        if peak:
            figures["peak"].append(peak / total)
        tmux("send-keys", "-t", ns, "q")
        pressed = time.monotonic()
        deadline = time.monotonic() + 30
        while not re.search(r"EXITED-\d", screen()) and time.monotonic() < deadline:
            time.sleep(0.02)
        exited = re.search(r"EXITED-(\d+)", screen())
        quit_ms = (time.monotonic() - pressed) * 1000
        log = open(f"{state}/routescope/routescope.log").read() if os.path.exists(f"{state}/routescope/routescope.log") else ""
        lf = re.search(r"first frame drawn ([\d.]+) ms", log)
        lv = re.search(r"full view on screen ([\d.]+) ms", log)
        ld = re.search(r"first state read in ([\d.]+) ms", log)
        figures["first"].append(first * 1000 if first else float("nan"))
        figures["full"].append(full * 1000 if full else float("nan"))
        if lf: figures["log_first"].append(float(lf.group(1)))
        if lv: figures["log_full"].append(float(lv.group(1)))
        print(f"run {run + 1}: screen shows the first frame at {figures['first'][-1]:.0f} ms, every route at "
              f"{figures['full'][-1]:.0f} ms; log: first frame {lf.group(1) if lf else '-'} ms, full view "
              f"{lv.group(1) if lv else '-'} ms (the dump {ld.group(1) if ld else '-'} ms); "
              f"peak memory {f'{peak / 2**20:.1f} MiB, {peak / total:.1f} bytes/route' if peak else '-'}; "
              f"q to exit {quit_ms:.0f} ms, status {exited.group(1) if exited else 'none (still running after 30 s)'}")
    for key, what in [("first", "first frame (tmux)"), ("full", "full view (tmux)"),
                      ("log_first", "first frame (log)"), ("log_full", "full view (log)")]:
        v = figures[key]
        if v:
            print(f"{what}: median {statistics.median(v):.0f} ms, spread {min(v):.0f}..{max(v):.0f} ms over {len(v)} runs")
    v = figures["peak"]
    if v:
        print(f"peak memory: median {statistics.median(v):.1f} bytes/route, spread {min(v):.1f}..{max(v):.1f} over {len(v)} runs")
PY
