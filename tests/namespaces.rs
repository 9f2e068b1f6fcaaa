//! Every network namespace on the host: one a process is in but nobody named (a container's),
//! reached by `--pid` and `--netns-path`, found by the picker's discovery, and every way of
//! naming one wrongly refused in one line.

mod common;

use std::process::Output;

use common::TestNetns;
use common::bin::{BIN, TempDir, run, stderr};
use common::sleeper::Sleeper;
use common::tmux::Tmux;
use routescope::net::{self, Target};

/// The address the unnamed namespace's loopback carries.
const ADDRESS: &str = "10.77.0.1";

/// A `sleep` in a new, unnamed network namespace whose loopback is up and carries `ADDRESS`.
fn unnamed() -> Option<Sleeper> {
    Sleeper::start(
        &["unshare", "-n"],
        &format!("ip link set lo up && ip addr add {ADDRESS}/32 dev lo"),
    )
}

/// Standard output as JSON, after checking the command succeeded.
fn json(out: &Output) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The one line a failing command prints, checked for its status and its text.
fn fails_with(out: &Output, status: i32, expected: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(status), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "more than one line: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Whether a `dump --json` shows `ADDRESS` on lo.
fn has_address(dump: &serde_json::Value) -> bool {
    dump["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .any(|a| a["local"] == ADDRESS && a["dev"] == "lo")
}

#[test]
fn every_command_reaches_a_namespace_by_pid_or_path() {
    let Some(sleeper) = unnamed() else { return };
    let pid = sleeper.pid.to_string();
    let path = sleeper.ns_path();
    let queries = TempDir::new("ns-batch");
    let batch = queries.join("queries");
    std::fs::write(&batch, format!("{ADDRESS}\n127.0.0.1\n")).expect("batch file");
    let batch = batch.to_str().expect("utf-8 path");
    for option in [["--pid", &pid], ["--netns-path", &path]] {
        let dump = json(&run(&[option[0], option[1], "dump", "--json"]));
        assert!(has_address(&dump), "{option:?}: {dump}");

        let get = json(&run(&[option[0], option[1], "get", ADDRESS, "--json"]));
        assert_eq!(get["verdict"]["type"], "local", "{option:?}: {get}");
        assert_eq!(get["kernel"]["type"], "local", "{option:?}: {get}");
        assert_eq!(get["agree"], true, "{option:?}: {get}");
        let text = run(&[
            option[0],
            option[1],
            "get",
            ADDRESS,
            "--expect-type",
            "local",
        ]);
        assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));

        let answers = run(&[option[0], option[1], "get", "--batch", batch, "--json"]);
        assert_eq!(answers.status.code(), Some(0), "{}", stderr(&answers));
        let first = String::from_utf8_lossy(&answers.stdout);
        assert!(
            first.lines().count() == 2 && first.contains("\"local\""),
            "{first}"
        );

        let check = run(&[option[0], option[1], "check", "--json"]);
        assert!(
            matches!(check.status.code(), Some(0 | 5)),
            "{}",
            stderr(&check)
        );

        let monitor = run(&[
            option[0],
            option[1],
            "monitor",
            "--json",
            "--duration",
            "0.2",
        ]);
        let last = String::from_utf8_lossy(&monitor.stdout);
        let last: serde_json::Value =
            serde_json::from_str(last.lines().last().expect("a record")).expect("NDJSON");
        assert!(has_address(&last["state"]), "{option:?}: {last}");
    }
}

#[test]
fn the_discovery_lists_an_unnamed_namespace_by_its_process() {
    let Some(sleeper) = unnamed() else { return };
    let Some(named) = TestNetns::new("found") else {
        return;
    };
    let id = |path: &str| {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path).expect("stat");
        (meta.dev(), meta.ino())
    };
    let all = net::all_namespaces();
    assert!(
        all[0].started_in && all[0].target == Target::Current,
        "{all:#?}"
    );
    assert_eq!(all.iter().filter(|f| f.started_in).count(), 1);
    let ids: Vec<_> = all.iter().filter_map(|f| f.id).collect();
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(ids.len(), distinct.len(), "each namespace once: {all:#?}");
    let mine = all
        .iter()
        .find(|f| f.target == Target::Pid(sleeper.pid))
        .unwrap_or_else(|| panic!("pid {} not listed: {all:#?}", sleeper.pid));
    assert_eq!(mine.name, format!("pid {} sleep", sleeper.pid));
    let (dev, ino) = id(&sleeper.ns_path());
    assert_eq!(mine.id.map(|i| (i.dev, i.ino)), Some((dev, ino)));
    assert!(
        all.iter()
            .any(|f| f.target == Target::Named(named.name.clone()) && f.name == named.name),
        "{all:#?}"
    );

    // opened by pid: labelled with the command, keyed by inode (nothing binds it)
    let opened = Target::Pid(sleeper.pid).open().expect("opens");
    assert_eq!(opened.label(), format!("pid {} (sleep)", sleeper.pid));
    assert_eq!(opened.state_key(), format!("ino-{ino}"));
    // a process in a named namespace is keyed by the name, as is its file given by path
    let inside = Sleeper::start(&["ip", "netns", "exec", &named.name], "true").expect("starts");
    let by_pid = Target::Pid(inside.pid).open().expect("opens");
    assert_eq!(by_pid.state_key(), format!("netns-{}", named.name));
    let by_path = Target::Path(net::NETNS_DIR.into()).open();
    assert!(by_path.is_err(), "a directory is no namespace");
    let by_path = Target::Path(std::path::Path::new(net::NETNS_DIR).join(&named.name))
        .open()
        .expect("opens");
    assert_eq!(by_path.state_key(), format!("netns-{}", named.name));
    assert_eq!(
        by_path.label(),
        format!("{}/{}", net::NETNS_DIR, named.name)
    );
    assert_eq!(Target::Current.open().expect("opens").state_key(), "host");
}

#[test]
fn a_namespace_opened_by_pid_outlives_its_process() {
    let Some(sleeper) = unnamed() else { return };
    let pid = sleeper.pid;
    let opened = Target::Pid(pid).open().expect("opens");
    drop(sleeper); // killed and reaped
    let state = common::runtime()
        .block_on(net::dump_state(&opened))
        .expect("the open namespace is still there");
    assert!(
        state
            .addresses
            .iter()
            .any(|a| a.local.to_string() == ADDRESS),
        "{:?}",
        state.addresses
    );
    let gone = run(&["--pid", &pid.to_string(), "dump"]);
    fails_with(&gone, 2, &format!("no process with pid {pid}"));
    let err = Target::Pid(pid).open().expect_err("gone");
    assert_eq!(
        routescope::error::exit_status(&err),
        std::process::ExitCode::from(2)
    );
}

/// None of these needs root: each is refused before anything is entered.
#[test]
fn wrong_namespaces_are_one_line_and_exit_2() {
    for (args, expected) in [
        (
            vec!["--netns-path", "/etc/passwd", "dump"],
            "/etc/passwd is not a namespace file",
        ),
        (
            vec!["--netns-path", "/proc/self/ns/uts", "get", "1.1.1.1"],
            "/proc/self/ns/uts is not a network namespace (a uts namespace)",
        ),
        (
            vec!["--netns-path", "/nonexistent/rs-ns", "monitor"],
            "/nonexistent/rs-ns: no such file",
        ),
        (
            vec!["--netns-path", "/run", "check"],
            "is not a namespace file",
        ),
        (vec!["--pid", "1", "-n", "x", "dump"], "cannot be used with"),
        (
            vec!["--pid", "1", "--netns-path", "/proc/1/ns/net"],
            "cannot be used with",
        ),
        (
            vec!["--snapshot", "f.json", "--pid", "1"],
            "cannot be used with",
        ),
        (vec!["--pid", "0", "dump"], "0 is not a process id"),
        (vec!["--pid", "-4", "dump"], "'-4' is not a process id"),
        (
            vec!["--pid", "nginx", "dump"],
            "'nginx' is not a process id",
        ),
        (vec!["--pid", "1", "demo"], "do not apply to it"),
    ] {
        fails_with(&run(&args), 2, expected);
    }
    // a pid that never was: the largest the kernel allows is below 2^22
    fails_with(
        &run(&["--pid", "4194305", "dump"]),
        2,
        "no process with pid",
    );
}

#[test]
fn a_namespace_another_user_may_not_open_is_exit_4() {
    let Some(ns) = TestNetns::new("pidperm") else {
        return;
    };
    let named = format!("{}/{}", net::NETNS_DIR, ns.name);
    for args in [
        vec!["--pid", "1", "dump"],
        vec!["--netns-path", "/proc/1/ns/net", "dump"],
        // its own namespace may be read, but entering any needs CAP_SYS_ADMIN
        vec!["--netns-path", "/proc/self/ns/net", "get", "1.1.1.1"],
        vec!["--netns-path", &named, "monitor"],
    ] {
        let out = common::bin::run_as_nobody(&args);
        fails_with(&out, 4, "needs root");
    }
}

/// The real program in tmux: followed by pid, the picker lists where it started and marks the
/// namespace followed; Enter on the first entry follows the starting namespace again.
#[test]
fn the_tui_follows_a_pid_and_its_picker_lists_every_namespace() {
    let Some(sleeper) = unnamed() else { return };
    let t = Tmux::bash("ns-pick");
    t.line(&format!("{BIN} --pid {}; echo EXITED-$?", sleeper.pid));
    t.wait_for(&format!("netns pid {} (sleep)", sleeper.pid));
    t.keys(&["n"]);
    let screen = t.wait_for("(started here)");
    let mine = format!("pid {} sleep", sleeper.pid);
    // on a busy host the list may be longer than the screen; when it is shown, it is marked
    if screen.contains(&mine) {
        assert!(screen.contains(&format!("* {mine}")), "{screen}");
    }
    t.keys(&["Enter"]);
    t.wait_for("this namespace");
    t.keys(&["n"]);
    t.wait_until("the starting namespace marked as followed", |s| {
        s.lines()
            .any(|l| l.contains("* ") && l.contains("(started here)"))
    });
    t.keys(&["Escape"]);
    t.wait_until("the picker closed", |s| !s.contains("(started here)"));
    t.keys(&["q"]);
    t.wait_for("EXITED-0");
}
