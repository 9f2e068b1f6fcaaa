//! The command line as scripts use it: exit statuses, one-line errors, JSON, snapshots.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::TestNetns;
use common::monitor::Monitor;
use nix::sys::signal::Signal;

use common::bin::{run, stderr};

fn routescope(args: &[&str]) -> Output {
    run(args)
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for (args, expected) in [
        (vec!["get", "1.2.3.4", "frm", "x"], "unknown word 'frm'"),
        (
            vec!["get", "10.0.0.300"],
            "to: '10.0.0.300' is not an IP address",
        ),
        (
            vec!["get", "1.1.1.1", "mark", "0x1g"],
            "mark: '0x1g' is not a number",
        ),
        (
            vec!["get", "1.1.1.1", "from", "::1"],
            "is IPv6 but the destination 1.1.1.1 is IPv4",
        ),
        (
            vec!["-n", "rs-no-such-ns", "dump"],
            "no network namespace named 'rs-no-such-ns'",
        ),
        (
            vec!["--snapshot", "/nonexistent.json", "get", "1.1.1.1"],
            "cannot read snapshot /nonexistent.json",
        ),
        (vec!["demo", "nope"], "no scenario named 'nope'"),
        (vec!["monitor", "--duration", "-1"], "--duration"),
    ] {
        let out = routescope(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?} printed more than one line: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn get_exit_statuses_and_snapshot_explanations_match_live_ones() {
    let Some(ns) = TestNetns::new("cli") else {
        return;
    };
    ns.ip_each(&[
        "link add eth0 type veth peer name eth0p",
        "link set eth0 up",
        "link set eth0p up",
        "addr add 198.51.100.2/24 dev eth0",
        "route add default via 198.51.100.1",
        "rule add pref 140 to 192.0.2.0/24 prohibit",
    ]);
    let live = routescope(&["-n", &ns.name, "get", "5.5.5.5", "--json"]);
    assert_eq!(live.status.code(), Some(0), "{}", stderr(&live));
    let json: serde_json::Value = serde_json::from_slice(&live.stdout).expect("get --json is JSON");
    assert_eq!(json["agree"], true);
    assert_eq!(json["verdict"]["rule"]["priority"], 32766);
    assert_eq!(json["verdict"]["src"], "198.51.100.2");
    assert_eq!(json["kernel"]["dev"], "eth0");

    let blocked = routescope(&["-n", &ns.name, "get", "192.0.2.1", "--json"]);
    assert_eq!(blocked.status.code(), Some(1), "a routing error exits 1");
    let json: serde_json::Value = serde_json::from_slice(&blocked.stdout).expect("JSON");
    assert_eq!(json["verdict"]["error"], "EACCES");
    assert_eq!(json["verdict"]["rule"]["priority"], 140);
    assert_eq!(json["agree"], true);

    let dump = routescope(&["-n", &ns.name, "dump", "--json"]);
    let file = std::env::temp_dir().join(format!("{}.json", ns.name));
    std::fs::write(&file, &dump.stdout).expect("write snapshot");
    let offline = routescope(&[
        "--snapshot",
        file.to_str().unwrap(),
        "get",
        "5.5.5.5",
        "--json",
    ]);
    let json_off: serde_json::Value = serde_json::from_slice(&offline.stdout).expect("JSON");
    let json_live: serde_json::Value = serde_json::from_slice(&live.stdout).expect("JSON");
    assert_eq!(
        json_off["verdict"], json_live["verdict"],
        "a snapshot explains like the live state"
    );
    assert_eq!(json_off["kernel"], serde_json::Value::Null);
    let _ = std::fs::remove_file(file);
}

#[test]
fn monitor_json_ends_with_the_state() {
    let Some(ns) = TestNetns::new("mon") else {
        return;
    };
    let out = routescope(&["-n", &ns.name, "monitor", "--json", "--duration", "0.5"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let last: serde_json::Value =
        serde_json::from_str(text.lines().last().expect("a record")).expect("NDJSON");
    assert_eq!(last["kind"], "state");
    assert_eq!(last["state"]["version"], 2);
    assert!(
        last["state"]["links"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
}

/// Runs routescope with arguments that may hold any byte.
fn routescope_bytes(args: &[&[u8]]) -> Output {
    use std::os::unix::ffi::OsStrExt;
    Command::new(env!("CARGO_BIN_EXE_routescope"))
        .args(args.iter().map(|a| std::ffi::OsStr::from_bytes(a)))
        .output()
        .expect("routescope runs")
}

/// Asserts `out` holds no raw escape or bidi character and shows `shown` instead.
fn escaped_in(out: &[u8], shown: &str, what: &str) {
    let text = String::from_utf8_lossy(out);
    assert!(
        !out.contains(&0x1b) && !text.contains('\u{202e}'),
        "{what} printed a raw escape: {text:?}"
    );
    assert!(text.contains(shown), "{what} does not show {shown}: {text}");
}

#[test]
fn control_characters_in_words_and_names_are_escaped_in_text() {
    // a query word: the error line quotes it
    let out = routescope(&["get", "1.2.3.4", "\x1b[31mred"]);
    assert_eq!(out.status.code(), Some(2));
    escaped_in(&out.stderr, "unknown word '\\x1b[31mred'", "a query error");
    // a word clap itself rejects (clap drops C0 controls itself, not bidi ones)
    let out = routescope(&["--bell\x07\u{202e}"]);
    assert_eq!(out.status.code(), Some(2));
    escaped_in(&out.stderr, "bell\\u{202e}", "a usage error");

    // names from a snapshot: a link, a label, a table name, a rule's iif
    let mut state = routescope::fixtures::server();
    let index = *state.links.keys().last().expect("a link");
    let link = state.links.get_mut(&index).expect("link");
    link.name = "\x1b[31mevil\u{202e}".into();
    link.kind = Some("\x1b[1mkind".into());
    state.table_names.insert(254, "\x1b[5mmain");
    let file = std::env::temp_dir().join(format!("rs-escape-{}.json", std::process::id()));
    let mut json = Vec::new();
    routescope::report::json::write_state(&state, &mut json).expect("json");
    std::fs::write(&file, &json).expect("write snapshot");
    let path = file.to_str().expect("utf-8 path");
    let dump = routescope(&["--snapshot", path, "dump"]);
    assert_eq!(dump.status.code(), Some(0), "{}", stderr(&dump));
    escaped_in(&dump.stdout, "\\x1b[31mevil\\u{202e}", "dump");
    escaped_in(&dump.stdout, "\\x1b[1mkind", "dump");
    escaped_in(&dump.stdout, "\\x1b[5mmain", "dump");
    let get = routescope(&[
        "--snapshot",
        path,
        "get",
        "1.2.3.4",
        "oif",
        "\x1b[31mevil\u{202e}",
    ]);
    escaped_in(&get.stdout, "\\x1b[31mevil", "get");
    let missing = routescope_bytes(&[
        b"--snapshot",
        path.as_bytes(),
        b"get",
        b"1.2.3.4",
        b"iif",
        b"\x1b]0;title\x07",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    escaped_in(
        &missing.stderr,
        "\\x1b]0;title\\x07",
        "an unknown device error",
    );
    let _ = std::fs::remove_file(file);
}

#[test]
fn check_reads_snapshots_prints_json_and_exits_5_on_a_warning() {
    let dir = std::env::temp_dir();
    let file = dir.join(format!("rs-check-{}.json", std::process::id()));
    let mut text = Vec::new();
    routescope::report::json::write_state(&routescope::fixtures::server(), &mut text)
        .expect("write");
    std::fs::write(&file, &text).expect("write snapshot");
    let path = file.to_str().expect("utf-8 path");
    let out = routescope(&["--snapshot", path, "check", "--json"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("check --json");
    assert_eq!(json["version"], 2);
    let first = &json["findings"][0];
    assert_eq!(first["id"], "policy-table-missing-connected");
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["subjects"][0]["subject"], "route");
    assert_eq!(first["subjects"][0]["table"], 100);
    assert_eq!(first["evidence"], "99.88.22.7 mark 0x10");
    let held = routescope(&[
        "--snapshot",
        path,
        "get",
        "5.5.5.5",
        "--expect-dev",
        "eth0",
        "--expect-table",
        "main",
        "--expect-rule",
        "32766",
        "--expect-type",
        "unicast",
        "--expect-src",
        "99.88.22.2",
    ]);
    assert_eq!(held.status.code(), Some(0), "{}", stderr(&held));
    let broken = routescope(&["--snapshot", path, "get", "5.5.5.5", "--expect-dev", "eth1"]);
    assert_eq!(broken.status.code(), Some(6));
    assert!(stderr(&broken).contains("--expect-dev eth1: the device is eth0"));
    let two = routescope(&["check", "--snapshot", path, path]);
    let text = String::from_utf8_lossy(&two.stdout);
    assert_eq!(two.status.code(), Some(5));
    assert_eq!(text.matches("== rs-check-").count(), 2, "{text}");
    let _ = std::fs::remove_file(file);
}

#[test]
fn a_batch_answers_every_line_with_one_load() {
    let dir = std::env::temp_dir();
    let snap = dir.join(format!("rs-batch-{}.json", std::process::id()));
    let list = dir.join(format!("rs-batch-{}.txt", std::process::id()));
    let mut text = Vec::new();
    routescope::report::json::write_state(&routescope::fixtures::server(), &mut text)
        .expect("write");
    std::fs::write(&snap, &text).expect("write snapshot");
    std::fs::write(&list, "8.8.8.8\n# a comment\n\n127.0.0.2\n").expect("write list");
    let (snap_path, list_path) = (snap.to_str().expect("path"), list.to_str().expect("path"));
    let out = routescope(&["--snapshot", snap_path, "get", "--batch", list_path]);
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{shown}{}", stderr(&out));
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 2, "{shown}");
    assert!(
        lines[0].starts_with("8.8.8.8 => unicast via 99.88.22.1 dev eth0"),
        "{shown}"
    );
    assert!(lines[1].starts_with("127.0.0.2 => local dev lo"), "{shown}");
    std::fs::write(&list, "8.8.8.8\n1.2.3.4 frm x\n").expect("write list");
    let out = routescope(&[
        "--snapshot",
        snap_path,
        "get",
        "--batch",
        list_path,
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad line makes the batch exit 2"
    );
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["verdict"]["dev"], "eth0");
    assert!(
        records[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("frm"))
    );
    let _ = std::fs::remove_file(snap);
    let _ = std::fs::remove_file(list);
}

#[test]
fn monitor_ends_with_the_state_on_every_stop() {
    let Some(ns) = TestNetns::new("monstop") else {
        return;
    };
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        for json in [false, true] {
            let args: &[&str] = if json { &["--json"] } else { &[] };
            let monitor = Monitor::start(&ns, args);
            monitor.first_line(&ns);
            let (status, rest, err) = monitor.stop(signal);
            assert_eq!(status, Some(0), "{signal}: {err}");
            assert!(err.is_empty(), "{signal}: {err}");
            let last = rest.last().cloned().unwrap_or_default();
            if json {
                let record: serde_json::Value = serde_json::from_str(&last).expect("JSON");
                assert_eq!(record["kind"], "state", "{signal}");
                assert_eq!(record["state"]["version"], 2, "{signal}");
            } else {
                assert!(last.ends_with("(final)"), "{signal}: {last}");
            }
        }
    }
    // a duration shorter than reading the state still ends with the state, and status 0
    for duration in ["0", "0.001"] {
        let out = run(&["-n", &ns.name, "monitor", "--json", "--duration", duration]);
        assert_eq!(out.status.code(), Some(0), "{duration}: {}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        let last: serde_json::Value =
            serde_json::from_str(text.lines().last().expect("a record")).expect("NDJSON");
        assert_eq!(last["kind"], "state", "{duration}");
    }
}

#[test]
fn monitor_stops_quietly_when_its_reader_goes_away() {
    let Some(ns) = TestNetns::new("monpipe") else {
        return;
    };
    for args in [&[][..], &["--json"][..]] {
        let monitor = Monitor::start(&ns, args);
        monitor.first_line(&ns);
        // the reader goes away, as `head -n 1` does; the next write, or the watch on the
        // pipe, ends the monitor with status 0 and nothing on stderr
        let Monitor { mut child, lines } = monitor;
        drop(lines);
        ns.ip("link set lo mtu 1500");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "monitor kept running");
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

/// Peak resident memory in KiB of `routescope ARGS`, by `/usr/bin/time -f %M`.
fn peak_kib(args: &[&str]) -> u64 {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(common::bin::BIN)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdout(std::process::Stdio::null())
        .output()
        .expect("/usr/bin/time runs (Debian package time)");
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stderr(&out)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("a peak in KiB")
}

#[test]
fn monitor_json_streams_its_final_state_without_a_copy() {
    let Some(ns) = TestNetns::new("monmem") else {
        return;
    };
    ns.ip_each(&[
        "link add v0 type veth peer name v1",
        "link set v0 up",
        "link set v1 up",
        "addr add 100.64.0.1/16 dev v0",
    ]);
    let routes = 50_000;
    let batch: Vec<String> = (0..routes)
        .map(|i: u32| {
            format!(
                "route add {}.{}.{}.0/24 via 100.64.0.2 dev v0",
                1 + (i >> 16),
                (i >> 8) & 255,
                i & 255
            )
        })
        .collect();
    ns.batch(&batch);
    // `dump` reads its routes on a leaner path than the feed's, so the yardstick is monitor
    // itself ending with a line of counts: the JSON state record must cost next to nothing
    let dump = peak_kib(&["-n", &ns.name, "dump", "--json"]);
    let counts = peak_kib(&["-n", &ns.name, "monitor", "--duration", "0"]);
    let monitor = peak_kib(&["-n", &ns.name, "monitor", "--json", "--duration", "0"]);
    println!(
        "peak resident memory at {routes} routes: dump --json {dump} KiB, monitor {counts} KiB, \
         monitor --json {monitor} KiB"
    );
    assert!(
        monitor * 10 <= counts * 11,
        "monitor --json peaks at {monitor} KiB, monitor with a text end at {counts} KiB"
    );
    assert!(dump <= monitor, "dump --json peaks at {dump} KiB");
}
