#!/usr/bin/env python3
"""Key-press latency of the TUI while the kernel churns routes.

Loads ROUTES routes into a throwaway namespace, runs `routescope -n NS` in tmux, replaces
routes in a loop with `ip -batch` (the achieved change rate is measured and printed), and times
SAMPLES presses of `?` (help on / off) until tmux shows the change. The figures include tmux's
own capture time, so they are an upper bound. Usage: sudo bench/keys.py [ROUTES] [SAMPLES]
"""
import os, subprocess, sys, time, threading

routes = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 100
ns, session = f"rs-keys-{os.getpid()}", f"rs-keys-{os.getpid()}"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.join(root, "target/release/routescope")
sh = lambda *a: subprocess.run(a, check=True, capture_output=True)

subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)
sh("ip", "netns", "add", ns)
try:
    for line in ["link set lo up", "link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
                 "addr add 100.64.0.1/16 dev v0"]:
        sh("ip", "-n", ns, *line.split())
    with open(f"/tmp/{ns}.load", "w") as f:
        for i in range(routes):
            f.write(f"route add {1 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.0/24 via 100.64.0.2 dev v0\n")
    sh("ip", "-n", ns, "-batch", f"/tmp/{ns}.load")
    with open(f"/tmp/{ns}.churn", "w") as f:
        for i in range(20000):
            f.write(f"route replace 200.{i >> 8 & 255}.{i & 255}.0/24 via 100.64.0.{2 + i % 2} dev v0\n")
    sh("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"{binary} -n {ns}")
    screen = lambda: subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout
    import re
    def loaded():
        found = re.search(r"· (\d+) routes", screen())
        return found and int(found.group(1)) >= routes
    deadline = time.monotonic() + 120
    while not loaded():
        if time.monotonic() > deadline:
            sys.exit("routescope did not show the routes within 120 s")
        time.sleep(0.2)
    stop, changes = threading.Event(), [0]
    def churn():
        while not stop.is_set():
            subprocess.run(["ip", "-n", ns, "-batch", f"/tmp/{ns}.churn"], capture_output=True)
            changes[0] += 20000
    worker = threading.Thread(target=churn)
    start = time.monotonic()
    worker.start()
    time.sleep(1)
    latencies = []
    for _ in range(samples):
        was_open = "help (? or Esc" in screen()
        t0 = time.monotonic()
        subprocess.run(["tmux", "send-keys", "-t", session, "?"])
        while ("help (? or Esc" in screen()) == was_open:
            if time.monotonic() - t0 > 5:
                break
        latencies.append(time.monotonic() - t0)
        time.sleep(0.02)
    stop.set()
    worker.join()
    rate = changes[0] / (time.monotonic() - start)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"{routes} routes, {rate:,.0f} route changes/s from ip -batch, {samples} key presses:")
    print(f"  key to screen: median {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")
finally:
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    for suffix in ("load", "churn"):
        try:
            os.remove(f"/tmp/{ns}.{suffix}")
        except OSError:
            pass
