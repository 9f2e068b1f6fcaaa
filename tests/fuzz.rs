//! The fuzz targets (`fuzz/targets.rs`) over their seeds and any corpus a fuzzing run left, in
//! every `cargo test`; and the recorder of the netlink seeds (root: a throwaway namespace).
//! Fuzzing itself: `fuzz/run.sh [SECONDS [TARGET…]]`.

mod common;

use std::path::{Path, PathBuf};

use common::TestNetns;

#[path = "../fuzz/targets.rs"]
mod targets;

/// A fuzz target: bytes in, a panic when a promise is broken.
type Target = fn(&[u8]);

/// The targets by name, as `fuzz/run.sh` knows them.
const TARGETS: [(&str, Target); 5] = [
    ("query", targets::query),
    ("snapshot", targets::snapshot),
    ("keymap", targets::keymap),
    ("rt_tables", targets::rt_tables),
    ("netlink", targets::netlink),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every file under `fuzz/seeds/NAME` and `fuzz/corpus/NAME` (the latter only after a run).
fn inputs(name: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["seeds", "corpus"] {
        if let Ok(entries) = std::fs::read_dir(fuzz_dir().join(dir).join(name)) {
            files.extend(entries.flatten().map(|e| e.path()));
        }
    }
    files.sort();
    files
}

#[test]
fn every_fuzz_target_holds_on_its_seeds() {
    for (name, target) in TARGETS {
        let files = inputs(name);
        assert!(!files.is_empty(), "no seeds for {name}");
        for file in &files {
            // a fuzzing run may be reducing the corpus meanwhile: a file gone is no input
            let Ok(data) = std::fs::read(file) else {
                continue;
            };
            let result = std::panic::catch_unwind(|| target(&data));
            assert!(result.is_ok(), "{name} fails on {}", file.display());
        }
        println!("{name}: {} inputs", files.len());
    }
}

/// Netlink dump requests: message type and the size of the family header after nlmsghdr.
const DUMPS: [(&str, u16, usize); 6] = [
    ("links", 18, 16),
    ("addresses", 22, 8),
    ("routes", 26, 12),
    ("rules", 34, 12),
    ("neighbours", 30, 12),
    ("nexthops", 106, 8),
];

/// One dump's replies as the kernel sent them (`NLMSG_DONE` left out), read in namespace `ns`.
fn record(ns: &str, kind: u16, header: usize) -> Vec<u8> {
    let ns = ns.to_owned();
    std::thread::spawn(move || {
        let file = std::fs::File::open(Path::new("/run/netns").join(&ns)).expect("namespace");
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let mut socket = netlink_sys::Socket::new(netlink_sys::protocols::NETLINK_ROUTE)
            .expect("netlink socket");
        socket.bind_auto().expect("bind");
        let len = 16 + header;
        let mut request = vec![0u8; len];
        request[0..4].copy_from_slice(&u32::try_from(len).expect("len").to_ne_bytes());
        request[4..6].copy_from_slice(&kind.to_ne_bytes());
        request[6..8].copy_from_slice(&0x301u16.to_ne_bytes()); // NLM_F_REQUEST | NLM_F_DUMP
        request[8..12].copy_from_slice(&1u32.to_ne_bytes());
        let kernel = netlink_sys::SocketAddr::new(0, 0);
        socket.send_to(&request, &kernel, 0).expect("send");
        let mut out = Vec::new();
        loop {
            let (reply, _) = socket.recv_from_full().expect("recv");
            let mut rest = &reply[..];
            while rest.len() >= 16 {
                let size = u32::from_ne_bytes(rest[0..4].try_into().expect("4 bytes"));
                let size = usize::try_from(size).expect("size").min(rest.len());
                let kind = u16::from_ne_bytes(rest[4..6].try_into().expect("2 bytes"));
                if kind == 3 || kind == 2 || size < 16 {
                    return out; // NLMSG_DONE or NLMSG_ERROR (no nexthops on the kernel)
                }
                out.extend_from_slice(&rest[..size.next_multiple_of(4).min(rest.len())]);
                rest = &rest[size.next_multiple_of(4).min(rest.len())..];
            }
        }
    })
    .join()
    .expect("recorder thread")
}

/// The same messages with every `RTM_NEW*` turned into its `RTM_DEL*` (type + 1).
fn as_deletions(mut bytes: Vec<u8>) -> Vec<u8> {
    let mut at = 0;
    while at + 16 <= bytes.len() {
        let size = u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        let kind = u16::from_ne_bytes(bytes[at + 4..at + 6].try_into().expect("2 bytes"));
        bytes[at + 4..at + 6].copy_from_slice(&(kind + 1).to_ne_bytes());
        at += usize::try_from(size)
            .expect("size")
            .next_multiple_of(4)
            .max(16);
    }
    bytes
}

/// Records `fuzz/seeds/netlink/` (and two snapshots: its `dump --json` and the fixture
/// server's) from a namespace with links, addresses, rules, multipath and
/// IPv6 routes, neighbours and nexthop objects. Root:
/// `cargo test --test fuzz -- --ignored record_seeds`.
#[test]
#[ignore = "writes the committed seeds; needs root"]
fn record_seeds() {
    let Some(ns) = TestNetns::new("seeds") else {
        return;
    };
    ns.ip_each(&[
        "link add eth0 type veth peer name eth1",
        "link add br0 type bridge",
        "link set eth0 up",
        "link set eth1 up",
        "link set br0 up",
        "addr add 198.51.100.2/24 dev eth0",
        "addr add 198.51.100.3/24 dev eth0",
        "addr add 2001:db8::2/64 dev eth0 nodad",
        "addr add 203.0.113.1/24 dev eth1",
        "route add default via 198.51.100.1",
        "route add 10.0.0.0/8 table 100 nexthop via 198.51.100.1 weight 2 nexthop via 203.0.113.2",
        "route add blackhole 192.0.2.0/24 table 4000000000",
        "route add 2001:db8:1::/48 via 2001:db8::1",
        "rule add pref 100 fwmark 0x10/0xff ipproto tcp dport 443 lookup 100",
        "rule add pref 110 from 10.1.0.0/16 iif eth0 uidrange 1000-2000 prohibit",
        "rule add pref 120 not to 192.0.2.0/24 goto 130",
        "rule add pref 130 lookup main suppress_prefixlength 0",
        "neigh add 198.51.100.1 lladdr 02:00:00:00:00:01 dev eth0 nud permanent",
        "nexthop add id 1 via 198.51.100.1 dev eth0",
        "nexthop add id 2 group 1",
        "route add 172.16.0.0/12 nhid 2",
    ]);
    let dir = fuzz_dir().join("seeds/netlink");
    std::fs::create_dir_all(&dir).expect("seed dir");
    let mut all = Vec::new();
    for (name, kind, header) in DUMPS {
        let bytes = record(&ns.name, kind, header);
        all.extend_from_slice(&bytes);
        std::fs::write(dir.join(format!("{name}.bin")), &bytes).expect("write seed");
    }
    std::fs::write(dir.join("everything.bin"), &all).expect("write seed");
    std::fs::write(dir.join("deletions.bin"), as_deletions(all)).expect("write seed");
    let snapshots = fuzz_dir().join("seeds/snapshot");
    let dump = common::bin::run(&["-n", &ns.name, "dump", "--json"]);
    assert!(dump.status.success(), "{}", common::bin::stderr(&dump));
    std::fs::write(snapshots.join("kernel.json"), &dump.stdout).expect("write seed");
    let server = std::fs::File::create(snapshots.join("server.json")).expect("seed file");
    routescope::report::json::write_state(&routescope::fixtures::server(), server)
        .expect("write seed");
}
