#!/usr/bin/env bash
# Attribution benchmark: what naming the process behind every change costs `monitor` under
# ~RATE route changes/s. In a throwaway namespace, WRITERS `ip -batch` processes add and delete
# /32 routes on a veth, paced to RATE in all (the achieved rate is measured and printed), while
# `routescope -n NS monitor --json` follows, its output read and dropped by this script but for
# the marker routes. Each run measures attribution on and off (ROUTESCOPE_NO_ORIGIN=1) back to
# back, in alternating order, and reports for each: the changes/s achieved and seen, the
# monitor's CPU (utime+stime of /proc/PID/stat, from the churn's start until its last change
# was printed) as % of one core and per change, and the latency of marker routes (one every
# 20 ms, added by a waiting `ip -batch`) from the write of the command to its record on the
# monitor's output, median and p99. Then the medians over runs with their spread, and the
# on/off ratios of the same run. Last, the resolver's slow path: SHORT separate `ip route add`
# processes, one after the other (each change a new port id, its tool usually gone), and the
# monitor's CPU per change on and off (from /proc/PID/task/*/schedstat: the totals are below
# the 10 ms ticks of /proc/PID/stat).
# Usage: bench/origin.sh [RATE] [SECONDS]
#        (default 50000 10; RUNS=3, WRITERS=2, SHORT=300, 0 to skip; root needed)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/namespaces.sh
rate=${1:-50000}
secs=${2:-10}
runs=${RUNS:-3}
writers=${WRITERS:-2}
short=${SHORT:-300}
ns="rs-origin-$$"
bin=target/release/routescope

cargo build --release --quiet
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
one_link "$ns"

python3 - "$bin" "$ns" "$rate" "$secs" "$runs" "$writers" "$short" <<'PY'
import json, os, re, signal, statistics, subprocess, sys, threading, time

binary, ns = sys.argv[1], sys.argv[2]
rate, secs, runs, writers = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
short = int(sys.argv[7])
tick = os.sysconf("SC_CLK_TCK")
marker_re = re.compile(rb'"dst":"198\.(1[89])\.(\d+)\.(\d+)/32"')

def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def cpu_exact(pid):
    """On-CPU time of all a process's threads from schedstat, in seconds (ns resolution, for
    totals too small for the 10 ms ticks of /proc/PID/stat)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9

def batch():
    """An `ip -batch` reading commands from a pipe."""
    return subprocess.Popen(["ip", "-n", ns, "-force", "-batch", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def address(k):
    return f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}/32"

def churn(proc, share, first, stop, written):
    """Adds route k and deletes route k-1000 (its own range from `first`), paced to `share`/s."""
    start, k, done, lines = time.monotonic(), first, 0, []
    while not stop.is_set():
        due = int((time.monotonic() - start) * share)
        while done < due:
            lines.append(f"route add {address(k)} dev v0\n")
            if k - first >= 1000:
                lines.append(f"route del {address(k - 1000)} dev v0\n")
                done += 1
            k, done = k + 1, done + 1
        if lines:
            proc.stdin.write("".join(lines).encode())
            proc.stdin.flush()
            written[0] += len(lines)
            lines = []
        time.sleep(0.005)

def measure(attribution, run, tools=0):
    """One monitor under churn (or, with `tools`, that many separate `ip`s): its figures."""
    subprocess.run(["ip", "-n", ns, "route", "flush", "proto", "boot"], capture_output=True)
    env = dict(os.environ)
    env.pop("ROUTESCOPE_NO_ORIGIN", None)
    if not attribution:
        env["ROUTESCOPE_NO_ORIGIN"] = "1"
    monitor = subprocess.Popen([binary, "-n", ns, "monitor", "--json"], stdout=subprocess.PIPE,
                               env=env, bufsize=0)
    seen, records, origins = {}, [0, 0], []  # marker → arrival; [route records, resyncs]
    def read():
        carry = b""
        while True:
            chunk = os.read(monitor.stdout.fileno(), 1 << 20)
            if not chunk:
                return
            now = time.monotonic()
            lines = (carry + chunk).split(b"\n")
            carry = lines.pop()
            for line in lines:
                if b'"resync"' in line[:40]:
                    records[1] += 1
                elif b'"route"' in line:
                    records[0] += 1
                    if b'"198.1' in line:
                        found = marker_re.search(line)
                        if found:
                            seen[(int(found[1]), int(found[2]) << 8 | int(found[3]))] = now
                            origins.append(json.loads(line)["origin"])
    reader = threading.Thread(target=read)
    reader.start()
    markers = batch()
    mark = lambda block, n: (markers.stdin.write(f"route add 198.{block}.{n >> 8 & 255}.{n & 255}/32 dev v0\n".encode()),
                             markers.stdin.flush(), time.monotonic())[2]
    # ready when the first marker comes through
    deadline = time.monotonic() + 30
    n = 0
    while (18, n) not in seen:
        n += 1
        mark(18, n)
        time.sleep(0.1)
        if time.monotonic() > deadline:
            sys.exit("monitor printed no marker within 30 s")
    procs = [batch() for _ in range(0 if tools else writers)]
    stop, written = threading.Event(), [[0] for _ in procs]
    threads = [threading.Thread(target=churn, args=(p, rate / writers, i << 20, stop, w))
               for i, (p, w) in enumerate(zip(procs, written))]
    clock = cpu_exact if tools else cpu_seconds
    routes_before, cpu0, t0 = records[0], clock(monitor.pid), time.monotonic()
    for t in threads:
        t.start()
    sent = {}
    if tools:
        for k in range(tools):
            subprocess.run(["ip", "-n", ns, "route", "add", address((3 << 20) + k), "dev", "v0"])
        written.append([tools])
    while time.monotonic() - t0 < secs and not tools:
        n += 1
        sent[(19, n)] = mark(19, n)
        time.sleep(0.02)
    stop.set()
    for t, p in zip(threads, procs):
        t.join()
        p.stdin.close()
        p.wait()
    t_churn = time.monotonic() - t0
    # the end: a last marker, once the writers are done, seen once all before it was printed
    last = mark(18, 0)
    while (18, 0) not in seen:
        time.sleep(0.001)
        if time.monotonic() - last > 60:
            sys.exit("monitor did not catch up within 60 s")
    elapsed = seen[(18, 0)] - t0
    cpu = clock(monitor.pid) - cpu0
    changes = sum(w[0] for w in written)
    routes_seen = records[0] - routes_before
    markers.stdin.close()
    markers.wait()
    monitor.send_signal(signal.SIGTERM)
    monitor.wait()
    reader.join()
    latencies = sorted(seen[m] - t for m, t in sent.items() if m in seen)
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
    running = sum(1 for o in origins if o.get("running") is True)
    return {
        "rate": changes / t_churn, "seen": routes_seen / elapsed, "cpu": cpu / elapsed * 100,
        "us": cpu / max(routes_seen, 1) * 1e6, "median": pct(0.5), "p99": pct(0.99),
        "markers": f"{len(latencies)}/{len(sent)}", "resyncs": records[1],
        "named": f"{running}/{len(origins)}",
    }

print(f"{rate:,} changes/s asked from {writers} ip -batch, {secs:g} s a run, {runs} runs; "
      f"monitor --json read by this script")
print(f"{'run':>3} {'attribution':<11} {'changes/s':>10} {'seen/s':>8} {'cpu %core':>9} "
      f"{'µs/change':>9} {'lat med ms':>10} {'p99 ms':>7} {'markers':>8} {'resyncs':>7} {'named':>8}")
results = {True: [], False: []}
for run in range(1, runs + 1):
    for attribution in ([True, False] if run % 2 else [False, True]):
        r = measure(attribution, run)
        results[attribution].append(r)
        print(f"{run:>3} {'on' if attribution else 'off':<11} {r['rate']:>10,.0f} {r['seen']:>8,.0f} "
              f"{r['cpu']:>9.1f} {r['us']:>9.2f} {r['median']:>10.2f} {r['p99']:>7.2f} "
              f"{r['markers']:>8} {r['resyncs']:>7} {r['named']:>8}", flush=True)

def summary(key, label, unit):
    on = [r[key] for r in results[True]]
    off = [r[key] for r in results[False]]
    ratios = [a / b if b else float("nan") for a, b in zip(on, off)]
    print(f"{label:<22} on {statistics.median(on):8.2f} ({min(on):.2f}–{max(on):.2f}) {unit:<4}"
          f" off {statistics.median(off):8.2f} ({min(off):.2f}–{max(off):.2f})   on/off "
          f"{statistics.median(ratios):.2f} (runs: {', '.join(f'{x:.2f}' for x in ratios)})")

print("\nmedian over runs (min–max), ratio of the same run:")
summary("rate", "changes/s achieved", "")
summary("cpu", "monitor CPU", "%")
summary("us", "monitor CPU per change", "µs")
summary("median", "marker latency median", "ms")
summary("p99", "marker latency p99", "ms")

if short:
    print(f"\n{short} separate `ip route add` (a new port id each), monitor CPU per change:")
    per = {True: [], False: []}
    for run in range(1, runs + 1):
        for attribution in ([True, False] if run % 2 else [False, True]):
            per[attribution].append(measure(attribution, run, tools=short)["us"])
    ratios = [a / b for a, b in zip(per[True], per[False])]
    print(f"  on {statistics.median(per[True]):.1f} µs ({min(per[True]):.1f}–{max(per[True]):.1f}),"
          f" off {statistics.median(per[False]):.1f} µs ({min(per[False]):.1f}–{max(per[False]):.1f}),"
          f" on/off {statistics.median(ratios):.2f} (runs: {', '.join(f'{x:.2f}' for x in ratios)})")
PY
