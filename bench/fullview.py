#!/usr/bin/env python3
"""The two halves of bench/fullview.sh (run that, not this).

generate DIR V4 V6 RULES QUERIES CHANGES SEED BATCH
    writes, deterministically from SEED, the `ip -batch` files of a synthetic full view
    (v4.batch, v6.batch), the queries (queries.txt, one.txt, one4.txt, one6.txt; batch.txt: the
    queries repeated to BATCH lines, so the batch's time dwarfs the noise of its load), the
    kernel's version of the queries (routeget.batch) and route changes for the kernel
    (changes.batch).
measure DIR NS ROUTESCOPE DRIVER RUNS
    times every figure against its yardstick in the same run, RUNS times, and prints the table.
"""

import ipaddress
import os
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time

# Share of each IPv4 prefix length in the Internet's default-free zone, per mille. Approximate,
# rounded from the prefix-length distributions published for the global BGP table around 2024
# (Geoff Huston, "BGP in 2023/2024", blog.apnic.net, and the CIDR Report, cidr-report.org): /24
# about 60 %, then /22, /23, /20, /21, /19, /18, /16 … Not an exact copy of any one table; the
# point is a realistic spread over ~17 lengths, which is what a longest-prefix search pays for.
V4_MIX = {
    24: 600, 22: 120, 23: 100, 20: 50, 21: 48, 19: 28, 18: 16, 16: 14, 17: 9,
    15: 3, 14: 3, 13: 2, 12: 1.5, 11: 0.8, 10: 0.4, 9: 0.2, 8: 0.1,
}
# The same for IPv6 (same sources): /48 about half, then /32, /44, /40, /36, /29, /46 …
V6_MIX = {
    48: 480, 32: 160, 44: 90, 40: 80, 36: 30, 29: 30, 46: 30, 47: 20,
    42: 15, 45: 10, 28: 10, 34: 8, 33: 8, 38: 7, 30: 5, 31: 5, 39: 5, 41: 4, 43: 3,
}
# IPv4 space no full view carries (private, shared, loopback, link-local, documentation,
# benchmarking: the uplinks use 198.18.0.0/15), and multicast and above (224/3).
V4_EXCLUDED = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/3",
)]
# The uplinks' IPv6 addresses are in the documentation prefix, which no full view carries.
V6_EXCLUDED = [ipaddress.ip_network("2001:db8::/32")]
# The uplinks: (device, IPv4 gateway, IPv6 gateway).
UPLINKS = [("up0", "198.18.0.1", "2001:db8:0:1::1"), ("up1", "198.18.1.1", "2001:db8:0:2::1")]
POLICY_TABLE = 100
# Share of routes through both uplinks (multipath), per mille.
MULTIPATH = 20


def prefixes(rng, count, bits, space, mix, excluded):
    """`count` distinct prefixes (ip_network) drawn from `space` with lengths from `mix`, none
    overlapping `excluded`."""
    lengths, weights = list(mix), list(mix.values())
    base, size = int(space.network_address), space.num_addresses
    holes = [(int(x.network_address), int(x.broadcast_address)) for x in excluded]
    seen, drawn = set(), []
    cls = ipaddress.IPv4Network if bits == 32 else ipaddress.IPv6Network
    while len(drawn) < count:
        length = rng.choices(lengths, weights)[0]
        shift = bits - length
        start = (base + rng.randrange(size)) >> shift << shift
        end = start + (1 << shift) - 1
        if (start, length) in seen or any(start <= h_end and h_start <= end for h_start, h_end in holes):
            continue
        seen.add((start, length))
        drawn.append(cls((start, length)))
    return drawn


def route_line(rng, net, family):
    """One `route add` line: through one uplink, or (rarely) both."""
    gw = 1 if family == 4 else 2
    if rng.randrange(1000) < MULTIPATH:
        hops = " ".join(f"nexthop via {u[gw]} dev {u[0]}" for u in UPLINKS)
        return f"route add {net} proto bgp {hops}"
    up = UPLINKS[rng.randrange(len(UPLINKS))]
    return f"route add {net} via {up[gw]} dev {up[0]} proto bgp"


def rule_lines(rng, count, family, routes):
    """`count` rules of mixed selectors at priorities 1000…, all looking up the policy table."""
    kinds = ["fwmark"] * 30 + ["from"] * 20 + ["to"] * 15 + ["iif"] * 10 + ["dport"] * 15 + ["uid"] * 10
    lines = []
    for i in range(count):
        kind = kinds[rng.randrange(len(kinds))]
        if kind == "fwmark":
            sel = f"fwmark {0x100 + i:#x}"
        elif kind == "from":
            sel = f"from 10.{i >> 8 & 255}.{i & 255}.0/24" if family == 4 else f"from fd00:{i:x}::/48"
        elif kind == "to":
            sel = f"to {routes[rng.randrange(len(routes))]}"
        elif kind == "iif":
            sel = f"iif {UPLINKS[i % 2][0]}"
        elif kind == "dport":
            sel = f"ipproto tcp dport {1000 + i}"
        else:
            sel = f"uidrange {1000 + 10 * i}-{1009 + 10 * i}"
        lines.append(f"rule add pref {1000 + i} {sel} lookup {POLICY_TABLE}")
    return lines


def address_in(rng, net):
    """A random address inside `net`."""
    return net.network_address + rng.randrange(net.num_addresses)


def generate(out, v4, v6, rules, queries, changes, seed, batch):
    """Writes the batch files and queries (see the module's doc)."""
    rng = random.Random(seed)
    routes4 = prefixes(rng, v4, 32, ipaddress.ip_network("0.0.0.0/0"), V4_MIX, V4_EXCLUDED)
    routes6 = prefixes(rng, v6, 128, ipaddress.ip_network("2000::/3"), V6_MIX, V6_EXCLUDED)
    for family, routes, name in ((4, routes4, "v4.batch"), (6, routes6, "v6.batch")):
        gw = 1 if family == 4 else 2
        with open(f"{out}/{name}", "w") as f:
            for net in routes:
                f.write(route_line(rng, net, family) + "\n")
            # the policy table: a default through the second uplink and a few specifics
            default = "default" if family == 4 else "::/0"
            f.write(f"route add {default} via {UPLINKS[1][gw]} dev up1 table {POLICY_TABLE}\n")
            for net in rng.sample(routes, min(100, len(routes))):
                f.write(f"route add {net} via {UPLINKS[0][gw]} dev up0 table {POLICY_TABLE}\n")
            for line in rule_lines(rng, rules, family, routes):
                f.write(line + "\n")
    # queries: 70 % inside a route of the view, the rest anywhere in public space; one in six IPv6
    v4_space = ipaddress.ip_network("0.0.0.0/0")
    lines = []
    for _ in range(queries):
        if rng.randrange(6) == 0:
            pool, any_space = routes6, ipaddress.ip_network("2000::/3")
        else:
            pool, any_space = routes4, v4_space
        net = pool[rng.randrange(len(pool))] if rng.randrange(10) < 7 else any_space
        addr = address_in(rng, net)
        if addr.is_multicast or addr.is_reserved or addr.is_unspecified or addr.is_loopback:
            addr = address_in(rng, pool[0])
        lines.append(str(addr))
    with open(f"{out}/queries.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(f"{out}/batch.txt", "w") as f:
        for i in range(batch):
            f.write(lines[i % len(lines)] + "\n")
    with open(f"{out}/routeget.batch", "w") as f:
        f.write("".join(f"route get {q}\n" for q in lines))
    with open(f"{out}/one.txt", "w") as f:
        f.write(lines[0] + "\n")
    with open(f"{out}/one4.txt", "w") as f:
        f.write(str(address_in(rng, routes4[0])) + "\n")
    with open(f"{out}/one6.txt", "w") as f:
        f.write(str(address_in(rng, routes6[0])) + "\n")
    # route changes for the kernel: a /25 inside routes picked through the view, added, deleted
    inside = [n for n in rng.sample(routes4, min(len(routes4), changes)) if n.prefixlen < 25]
    added = list(dict.fromkeys(ipaddress.ip_network((n.network_address, 25)) for n in inside))
    added = added[: changes // 2]
    with open(f"{out}/changes.batch", "w") as f:
        f.write("".join(f"route add {n} via {UPLINKS[0][1]} dev up0 proto bgp\n" for n in added))
        f.write("".join(f"route del {n} via {UPLINKS[0][1]} dev up0 proto bgp\n" for n in added))
    with open(f"{out}/counts.json", "w") as f:
        json.dump({"queries": len(lines), "batch": batch, "changes": 2 * len(added)}, f)


def timed(cmd, allowed=(0, 1)):
    """Wall time of a command in seconds and its peak resident memory in bytes, its output
    discarded; it must exit with an `allowed` status (`get` exits 1 for a destination without a
    route, `ip -force -batch` when a query had none). The peak comes from GNU time, a small
    process: a child forked from this script would report the script's own size (Linux carries
    the pre-exec peak into `ru_maxrss`)."""
    with tempfile.NamedTemporaryFile(mode="r") as peak:
        t = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak.name, *cmd],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t
        kib = peak.read().split()
    if done.returncode not in allowed or b"routescope:" in done.stderr:
        sys.exit(f"fullview: {' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[:300]}")
    return elapsed, int(kib[-1]) * 1024 if kib and kib[-1].isdigit() else 0


def seconds(cmd, allowed=(0, 1)):
    """Wall time of a command in seconds (see `timed`)."""
    return timed(cmd, allowed)[0]


def measure(out, ns, routescope, driver, runs):
    """Every figure against its yardstick, `runs` times; prints each run and the summary."""
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("fullview: GNU time (/usr/bin/time, Debian package `time`) measures peak memory; install it")
    counts = json.load(open(f"{out}/counts.json"))
    q4, q6 = open(f"{out}/one4.txt").read().split(), open(f"{out}/one6.txt").read().split()
    rs = [routescope, "-n", ns]
    rows = []
    for run in range(1, runs + 1):
        r = {}
        for fam, q in (("4", q4), ("6", q6)):
            r[f"ip{fam}"] = seconds(["ip", "-n", ns, "-j", f"-{fam}", "route", "show", "table", "all"])
            r[f"get{fam}"], r[f"get{fam}_peak"] = timed(rs + ["get", "--json"] + q)
            r[f"get{fam}_nk"] = seconds(rs + ["get", "--json", "--no-kernel"] + q)
        ip_set = "; ".join(f"ip -n {ns} -j {c}" for c in (
            "link", "addr", "-4 rule", "-6 rule", "-4 route show table all", "-6 route show table all"))
        r["ipset"] = seconds(["sh", "-c", ip_set], (0,))
        r["dump"], r["dump_peak"] = timed(rs + ["dump", "--json"], (0,))
        batch = rs + ["get", "--no-kernel", "--batch"]
        one = seconds(batch + [f"{out}/one.txt"])
        many = seconds(batch + [f"{out}/batch.txt"])
        r["batch_qps"] = counts["batch"] / max(many - one, 1e-9)
        r["kernel_qps"] = counts["queries"] / seconds(["ip", "-n", ns, "-force", "-batch", f"{out}/routeget.batch"])
        inproc = subprocess.run(
            ["ip", "netns", "exec", ns, driver, "--queries", f"{out}/queries.txt"],
            capture_output=True, text=True,
        )
        if inproc.returncode != 0:
            sys.exit(f"fullview: the in-process driver failed: {inproc.stderr[-500:]}")
        d = json.loads(inproc.stdout.strip().splitlines()[-1])
        r.update({k: d[k] for k in ("resolve_median_us", "resolve_p99_us", "explain_median_us",
                                    "explain_p99_us", "explain_mean_steps", "apply_per_s")})
        r["kernel_apply_per_s"] = counts["changes"] / seconds(["ip", "-n", ns, "-batch", f"{out}/changes.batch"], (0,))
        r["kernel_get_us"] = 1e6 / r["kernel_qps"]
        rows.append(r)
        print(f"run {run}: dump --json {r['dump']:.3f} s vs the iproute2 set {r['ipset']:.3f} s;"
              f" get -4 {r['get4']:.3f} s (no kernel {r['get4_nk']:.3f}) vs ip {r['ip4']:.3f} s;"
              f" get -6 {r['get6']:.3f} s ({r['get6_nk']:.3f}) vs ip {r['ip6']:.3f} s;"
              f" batch {r['batch_qps']:,.0f} q/s vs kernel {r['kernel_qps']:,.0f} q/s;"
              f" resolve {r['resolve_median_us']:.2f} µs, explain {r['explain_median_us']:.1f} µs"
              f" ({r['explain_mean_steps']:.0f} steps) vs kernel route get {r['kernel_get_us']:.1f} µs;"
              f" apply {r['apply_per_s']:,.0f}/s vs kernel {r['kernel_apply_per_s']:,.0f}/s", flush=True)

    def spread(values, fmt):
        m = statistics.median(values)
        return f"{fmt.format(m)} ({fmt.format(min(values))}–{fmt.format(max(values))})"

    def ratio(a, b, fmt="{:.2f}"):
        return spread([x[a] / x[b] for x in rows], fmt)

    def figure(a, fmt):
        return spread([x[a] for x in rows], fmt)

    dump = subprocess.run(rs + ["dump", "--json"], capture_output=True, check=True).stdout
    listed = json.loads(dump)["routes"]
    routes = len(listed)
    v6_routes = sum(":" in x["dst"] for x in listed)
    per_route = {"dump_peak": routes, "get4_peak": routes - v6_routes, "get6_peak": v6_routes}
    # the fixed cost any run has (code, libraries, runtime): `get --no-kernel` in an empty namespace
    empty = f"{ns}-empty"
    subprocess.run(["ip", "netns", "add", empty], check=True)
    try:
        base = statistics.median(timed([routescope, "-n", empty, "get", "--json", "--no-kernel", "127.0.0.1"])[1]
                                 for _ in range(3))
    finally:
        subprocess.run(["ip", "netns", "del", empty])
    for x in rows:
        for key, n in per_route.items():
            x[f"{key}_per_route"] = x[key] / n
            x[f"{key}_above"] = (x[key] - base) / n
    ip_bytes = sum(len(subprocess.run(["ip", "-n", ns, "-j", f"-{fam}", "route", "show", "table", "all"],
                                      capture_output=True, check=True).stdout) for fam in "46")
    print(f"\nJSON bytes per route ({routes} routes): dump --json {len(dump) / routes:.1f} (the whole"
          f" dump), ip -j -4/-6 route show table all {ip_bytes / routes:.1f} (the route lists)")
    print(f"\nmedian (min–max) over {runs} runs; ratios are of the same run; load average "
          f"{open('/proc/loadavg').read().split()[0]} on {subprocess.getoutput('nproc')} cores")
    table = [
        ("dump --json, s", figure("dump", "{:.3f}"), "vs the iproute2 set (link, addr, rules, routes)", ratio("dump", "ipset")),
        ("the iproute2 set, s", figure("ipset", "{:.3f}"), "", ""),
        ("get -4 (kernel check + fib trace), s", figure("get4", "{:.3f}"), "vs ip -j -4 route show table all", ratio("get4", "ip4")),
        ("get -4 --no-kernel, s", figure("get4_nk", "{:.3f}"), "vs ip -j -4 route show table all", ratio("get4_nk", "ip4")),
        ("ip -j -4 route show table all, s", figure("ip4", "{:.3f}"), "", ""),
        ("get -6 (kernel check + fib trace), s", figure("get6", "{:.3f}"), "vs ip -j -6 route show table all", ratio("get6", "ip6")),
        ("get -6 --no-kernel, s", figure("get6_nk", "{:.3f}"), "vs ip -j -6 route show table all", ratio("get6_nk", "ip6")),
        ("ip -j -6 route show table all, s", figure("ip6", "{:.3f}"), "", ""),
        ("dump --json peak memory, bytes/route", figure("dump_peak_per_route", "{:.1f}"), f"of {routes} routes; above the fixed cost", figure("dump_peak_above", "{:.1f}")),
        ("get -4 peak memory, bytes/IPv4 route", figure("get4_peak_per_route", "{:.1f}"), f"of {routes - v6_routes}; above the fixed cost", figure("get4_peak_above", "{:.1f}")),
        ("get -6 peak memory, bytes/IPv6 route", figure("get6_peak_per_route", "{:.1f}"), f"of {v6_routes}; above the fixed cost", figure("get6_peak_above", "{:.1f}")),
        ("fixed cost: get's peak in an empty namespace, MiB", f"{base / 2**20:.1f}", "", ""),
        ("get --batch --no-kernel after the load, q/s", figure("batch_qps", "{:,.0f}"), "vs kernel via ip -batch route get", ratio("batch_qps", "kernel_qps")),
        ("kernel route get via ip -batch, q/s", figure("kernel_qps", "{:,.0f}"), "", ""),
        ("resolve median, µs", figure("resolve_median_us", "{:.2f}"), "vs kernel route get (per query)", ratio("resolve_median_us", "kernel_get_us")),
        ("resolve p99, µs", figure("resolve_p99_us", "{:.2f}"), "", ""),
        ("explain median, µs", figure("explain_median_us", "{:.1f}"), "vs kernel route get (per query)", ratio("explain_median_us", "kernel_get_us")),
        ("explain p99, µs", figure("explain_p99_us", "{:.1f}"), "", ""),
        ("State::apply route changes/s", figure("apply_per_s", "{:,.0f}"), "vs kernel via ip -batch", ratio("apply_per_s", "kernel_apply_per_s")),
        ("kernel route changes/s via ip -batch", figure("kernel_apply_per_s", "{:,.0f}"), "", ""),
    ]
    for name, value, against, r in table:
        print(f"{name:<46} {value:<34} {against:<36} {r}")


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], *map(int, sys.argv[3:10]))
    else:
        measure(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
