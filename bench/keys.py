#!/usr/bin/env python3
"""Key-press latency and CPU of the TUI while the kernel churns routes (issue #11's TUI target).

Loads ROUTES routes into a throwaway namespace, runs `routescope -n NS` in tmux with WATCH
watched flows (`--watch`, each into a different loaded route; private XDG directories so no
saved list is touched), then has WRITERS `ip -batch -` processes replace routes paced to RATE
changes/s in all (the achieved rate is measured from what was written and printed). Meanwhile it
times SAMPLES key presses (`?` opens help, Esc closes it) until tmux shows the change, and measures the TUI's
CPU (utime + stime of /proc/PID/stat) over the churn as % of one core. The latencies include
tmux's own capture time, so they are an upper bound.

Usage: sudo bench/keys.py [ROUTES] [SAMPLES]   (default 1000000 100)
       RATE=50000 WRITERS=2 WATCH=32 RUNS=3 BIN=path[,path…] (builds to compare, each a binary
       named `routescope`, run in turn in every round on the same namespace; given, nothing is
       built)
"""
import os, re, statistics, subprocess, sys, tempfile, threading, time

routes = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 100
rate = int(os.environ.get("RATE", "50000"))
writers = int(os.environ.get("WRITERS", "2"))
watched = int(os.environ.get("WATCH", "32"))
runs = int(os.environ.get("RUNS", "3"))
ns, session = f"rs-keys-{os.getpid()}", f"rs-keys-{os.getpid()}"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binaries = os.environ.get("BIN", os.path.join(root, "target/release/routescope")).split(",")
sh = lambda *a: subprocess.run(a, check=True, capture_output=True)
tick = os.sysconf("SC_CLK_TCK")
HELP = " help · "  # the help overlay's title; `?` opens it and Esc closes it


def route_line(i, verb="add", via=2):
    """The `ip -batch` line of route number i (a /24 in 1.0.0.0 and up)."""
    return f"route {verb} {1 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.0/24 via 100.64.0.{via} dev v0\n"


def screen():
    """The tmux pane's text."""
    return subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout


def tui_pid():
    """The pid of the routescope process in the pane (the pane's process or its child)."""
    pane = subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"], capture_output=True, text=True).stdout.strip()
    for pid in [pane] + subprocess.run(["pgrep", "-P", pane], capture_output=True, text=True).stdout.split():
        try:
            if open(f"/proc/{pid}/comm").read().strip() == "routescope":
                return int(pid)
        except OSError:
            pass
    sys.exit("the routescope process was not found in the pane")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def churn(stop, written):
    """WRITERS `ip -batch -` processes, fed route replacements paced to RATE in all."""
    procs = [subprocess.Popen(["ip", "-n", ns, "-force", "-batch", "-"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
             for _ in range(writers)]
    step, n, start = 0.01, 0, time.monotonic()
    per_step = max(1, int(rate * step))
    while not stop.is_set():
        for k in range(per_step):
            i = (n + k) % min(routes, 50_000)
            procs[(n + k) % writers].stdin.write(route_line(i, "replace", 2 + (n + k) // 50_000 % 2))
        for p in procs:
            p.stdin.flush()
        n += per_step
        written[0] = n
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    for p in procs:
        p.stdin.close()
        p.wait()


def one_run(xdg, binary):
    """Starts the TUI, waits for the full view, churns, presses keys; returns the figures."""
    watch = " ".join(f"--watch '{1 + (i * 997 % routes >> 16)}.{(i * 997 % routes >> 8) & 255}.{i * 997 % routes & 255}.9'"
                     for i in range(watched))
    env = f"XDG_STATE_HOME={xdg}/state XDG_CONFIG_HOME={xdg}/config"
    sh("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"env {env} {binary} -n {ns} {watch}")
    try:
        deadline = time.monotonic() + 120
        while True:
            found = re.search(r"(\d+) routes", screen())
            if found and int(found.group(1)) >= routes:
                break
            if time.monotonic() > deadline:
                sys.exit("routescope did not show the routes within 120 s")
            time.sleep(0.2)
        pid = tui_pid()
        stop, written = threading.Event(), [0]
        worker = threading.Thread(target=churn, args=(stop, written))
        worker.start()
        time.sleep(1)
        cpu0, t0, n0 = cpu_seconds(pid), time.monotonic(), written[0]
        latencies = []
        for _ in range(samples):
            was_open = HELP in screen()
            pressed = time.monotonic()
            subprocess.run(["tmux", "send-keys", "-t", session, "Escape" if was_open else "?"])
            while (HELP in screen()) == was_open:
                if time.monotonic() - pressed > 5:
                    break
            latencies.append((time.monotonic() - pressed) * 1000)
            time.sleep(0.02)
        cpu1, t1, n1 = cpu_seconds(pid), time.monotonic(), written[0]
        stop.set()
        worker.join()
        latencies.sort()
        at = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        return {"rate": (n1 - n0) / (t1 - t0), "cpu": 100 * (cpu1 - cpu0) / (t1 - t0),
                "median": at(0.5), "p99": at(0.99)}
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


if "BIN" not in os.environ:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)
sh("ip", "netns", "add", ns)
try:
    for line in ["link set lo up", "link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
                 "addr add 100.64.0.1/16 dev v0"]:
        sh("ip", "-n", ns, *line.split())
    with open(f"/tmp/{ns}.load", "w") as f:
        for i in range(routes):
            f.write(route_line(i))
    sh("ip", "-n", ns, "-batch", f"/tmp/{ns}.load")
    results = {binary: [] for binary in binaries}
    for run in range(runs):
        for binary in binaries:
            with tempfile.TemporaryDirectory() as xdg:
                r = one_run(xdg, binary)
            results[binary].append(r)
            print(f"run {run + 1} ({binary}): {r['rate']:,.0f} changes/s written, TUI CPU {r['cpu']:.0f} % of a core, "
                  f"key to screen median {r['median']:.1f} ms, p99 {r['p99']:.1f} ms", flush=True)
    for binary, rows in results.items():
        spread = lambda k: f"{statistics.median(x[k] for x in rows):.1f} ({min(x[k] for x in rows):.1f}–{max(x[k] for x in rows):.1f})"
        print(f"{binary}: {routes} routes, {watched} watched flows, {runs} runs, load {os.getloadavg()[0]:.1f}: "
              f"changes/s {spread('rate')}; TUI CPU % {spread('cpu')}; key p99 ms {spread('p99')}; median ms {spread('median')}")
finally:
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    try:
        os.remove(f"/tmp/{ns}.load")
    except OSError:
        pass
