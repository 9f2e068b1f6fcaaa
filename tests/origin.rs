//! Who changed the routing, against the kernel: `monitor --json` names the long-lived process
//! that made a change, the port id of a tool that has exited, and the event behind the kernel's
//! own changes.

mod common;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::TestNetns;
use common::bin::TempDir;
use common::monitor::Monitor;
use nix::sys::signal::Signal;
use serde_json::{Value, json};

/// A namespace with a veth pair up and an address, and a monitor following it that has printed
/// its first record.
fn watched(tag: &str) -> Option<(TestNetns, Monitor)> {
    let ns = TestNetns::new(tag)?;
    ns.ip_each(&[
        "link add v0 type veth peer name v1",
        "link set v0 up",
        "link set v1 up",
        "addr add 10.7.0.1/24 dev v0",
    ]);
    let monitor = Monitor::start(&ns, &["--json"]);
    monitor.first_line(&ns);
    Some((ns, monitor))
}

/// Whether a record is the `action` of the route to `dst`.
fn is_route(record: &Value, action: &str, dst: &str) -> bool {
    record["kind"] == "route" && record["action"] == action && record["route"]["dst"] == dst
}

/// The `ip` binary, found on the PATH.
fn ip_binary() -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("ip"))
        .find(|path| path.is_file())
        .expect("ip is on the PATH")
}

/// Checks that a record's time is RFC 3339 UTC with milliseconds.
fn assert_timed(record: &Value) {
    let time = record["time"].as_str().unwrap_or_default();
    let shape = time.len() == 24
        && time.ends_with('Z')
        && time.as_bytes()[10] == b'T'
        && time.as_bytes()[19] == b'.';
    assert!(shape, "time {time:?} in {record}");
}

#[test]
fn a_long_lived_process_is_named_with_its_pid_and_command_line() {
    let Some((ns, monitor)) = watched("daemon") else {
        return;
    };
    // `ip` under another name (a link, not a copy: a copy open for writing while another test
    // thread forks cannot be run, ETXTBSY), kept running by an open standard input
    let dir = TempDir::new("origin-daemon");
    let daemon = dir.join("netwatchd");
    std::os::unix::fs::symlink(ip_binary(), &daemon).expect("link ip");
    let mut child = Command::new(&daemon)
        .args(["-n", &ns.name, "-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("netwatchd starts");
    let pid = child.id();
    let mut input = child.stdin.take().expect("stdin");
    let expected = json!({
        "by": "socket",
        "portid": pid,
        "pid": pid,
        "comm": "netwatchd",
        "cmdline": format!("{} -n {} -batch -", daemon.display(), ns.name),
        "running": true,
        "cause": null,
    });
    writeln!(input, "route add 10.10.0.0/16 via 10.7.0.2").expect("write");
    let route = monitor.next_json("netwatchd's route", |r| is_route(r, "new", "10.10.0.0/16"));
    assert_eq!(route["origin"], expected, "{route}");
    assert_timed(&route);
    writeln!(input, "rule add pref 1234 lookup 100").expect("write");
    let rule = monitor.next_json("netwatchd's rule", |r| {
        r["kind"] == "rule" && r["rule"]["priority"] == 1234
    });
    assert_eq!(rule["origin"], expected, "{rule}");
    // past the cache's time: the socket table is read again and the same socket confirmed
    std::thread::sleep(std::time::Duration::from_millis(1100));
    writeln!(input, "route del 10.10.0.0/16").expect("write");
    let deleted = monitor.next_json("netwatchd's deletion", |r| {
        is_route(r, "del", "10.10.0.0/16")
    });
    assert_eq!(deleted["origin"], expected, "{deleted}");
    drop(input);
    assert!(child.wait().expect("netwatchd ends").success());
    let (status, _, err) = monitor.stop(Signal::SIGTERM);
    assert_eq!(status, Some(0), "{err}");
}

#[test]
fn a_tool_that_has_exited_is_its_port_id() {
    let Some((ns, monitor)) = watched("tool") else {
        return;
    };
    // the monitor is stopped while `ip` runs and exits, so it reads the change afterwards
    monitor.signal(Signal::SIGSTOP);
    let mut ip = Command::new("ip")
        .args([
            "-n",
            &ns.name,
            "route",
            "add",
            "10.11.0.0/16",
            "via",
            "10.7.0.2",
        ])
        .spawn()
        .expect("ip runs");
    let pid = ip.id();
    assert!(ip.wait().expect("ip ends").success());
    monitor.signal(Signal::SIGCONT);
    let route = monitor.next_json("ip's route", |r| is_route(r, "new", "10.11.0.0/16"));
    assert_eq!(
        route["origin"],
        json!({"by": "socket", "portid": pid, "pid": null, "comm": null, "cmdline": null,
               "running": false, "cause": null}),
        "{route}"
    );
    // not stopped, the monitor may see `ip` before or after it exits, but never anyone else
    let mut ip = Command::new("ip")
        .args([
            "-n",
            &ns.name,
            "route",
            "add",
            "10.12.0.0/16",
            "via",
            "10.7.0.2",
        ])
        .spawn()
        .expect("ip runs");
    let pid = ip.id();
    assert!(ip.wait().expect("ip ends").success());
    let route = monitor.next_json("ip's route", |r| is_route(r, "new", "10.12.0.0/16"));
    let origin = &route["origin"];
    assert_eq!(origin["portid"], json!(pid), "{route}");
    if origin["running"] == json!(true) {
        assert_eq!(
            (&origin["pid"], &origin["comm"]),
            (&json!(pid), &json!("ip"))
        );
    } else {
        assert_eq!(origin["pid"], Value::Null, "{route}");
    }
    let (status, _, err) = monitor.stop(Signal::SIGTERM);
    assert_eq!(status, Some(0), "{err}");
}

#[test]
fn the_kernels_own_changes_name_their_cause() {
    let Some((ns, monitor)) = watched("kernel") else {
        return;
    };
    ns.ip("addr add 10.8.0.1/24 dev v0");
    let kernel = |cause: &str| {
        json!({"by": "kernel", "portid": 0, "pid": null, "comm": null, "cmdline": null,
               "running": null, "cause": cause})
    };
    let local = monitor.next_json("the address's local route", |r| {
        is_route(r, "new", "10.8.0.1/32")
    });
    assert_eq!(local["route"]["table_name"], "local", "{local}");
    assert_eq!(
        local["origin"],
        kernel("address 10.8.0.1/24 added on v0"),
        "{local}"
    );
    let prefix = monitor.next_json("the address's prefix route", |r| {
        is_route(r, "new", "10.8.0.0/24")
    });
    assert_eq!(
        prefix["origin"],
        kernel("address 10.8.0.1/24 added on v0"),
        "{prefix}"
    );
    // IPv6 removes its routes through a link that goes down, and says so
    ns.ip("-6 addr add 2001:db8:7::1/64 dev v0 nodad");
    monitor.next_json("the IPv6 prefix route", |r| {
        is_route(r, "new", "2001:db8:7::/64")
    });
    ns.ip("link set v0 down");
    let gone = monitor.next_json("the IPv6 prefix route's removal", |r| {
        is_route(r, "del", "2001:db8:7::/64")
    });
    assert_eq!(gone["origin"], kernel("link v0 went down"), "{gone}");
    let resync = monitor.next_json("a re-read", |r| r["kind"] == "resync");
    assert_eq!(resync["origin"]["by"], "reread", "{resync}");
    assert_timed(&resync);
    let (status, _, err) = monitor.stop(Signal::SIGTERM);
    assert_eq!(status, Some(0), "{err}");
}
