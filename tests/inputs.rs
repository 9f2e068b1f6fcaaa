//! Every input the user names is checked before it is used: files are regular and bounded
//! (never a FIFO that hangs or a device that never ends), numbers are digits, names are short,
//! options do not conflict, and the namespace is checked before anything else.

mod common;

use std::process::Output;
use std::time::Duration;

use common::TestNetns;
use common::bin::{TempDir, mkfifo, run, run_env, stderr};
use routescope::keymap::Keymap;

/// The one line a failing command prints, checked for its status, its text and its length.
fn fails_with(out: &Output, status: i32, expected: &str) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(status), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "more than one line: {err}"
    );
    assert!(err.chars().count() < 200, "a long line: {err}");
    err
}

#[test]
fn special_and_oversized_snapshots_are_refused_at_once() {
    let dir = TempDir::new("snapshots");
    let fifo = dir.join("fifo.json");
    mkfifo(&fifo);
    let zero_link = dir.join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero_link).expect("symlink");
    let huge = dir.join("huge.json");
    let file = std::fs::File::create(&huge).expect("create");
    // sparse: one byte over the limit, no disk used
    file.set_len(routescope::load::SNAPSHOT_LIMIT + 1)
        .expect("set_len");
    for (path, why) in [
        (
            "/dev/zero".into(),
            "is a character device, not a regular file",
        ),
        (zero_link, "is a character device, not a regular file"),
        (fifo, "is a FIFO, not a regular file"),
        (dir.0.clone(), "is a directory, not a regular file"),
        (huge, "is larger than the limit of 1 GiB"),
    ] {
        let path = path.to_str().expect("utf-8 path").to_owned();
        for args in [
            vec!["--snapshot", &path, "dump"],
            vec!["--snapshot", &path, "get", "1.1.1.1"],
            vec!["--snapshot", &path],
        ] {
            let out = run_env(&args, &[], Duration::from_secs(5));
            fails_with(&out, 2, why);
        }
    }
}

#[test]
fn keymap_files_are_checked_before_use() {
    let dir = TempDir::new("keymaps");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write keymap");
        path
    };
    let zero = dir.join("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let fifo = dir.join("fifo.toml");
    mkfifo(&fifo);
    let big = write("big.toml", &format!("# {}\n", "x".repeat(1 << 20)));
    let cases = [
        (zero, "is a character device, not a regular file"),
        (fifo, "is a FIFO, not a regular file"),
        (big, "is larger than the limit of 1 MiB"),
        (
            write("noquit.toml", "quit = []"),
            "quit has no key left, so the file is refused",
        ),
        (
            write("stolen.toml", "filter = [\"q\", \"ctrl-c\"]"),
            "quit has no key left",
        ),
        (
            write("nohelp.toml", "route-get = [\"?\", \"g\"]"),
            "help has no key left",
        ),
        (
            write("prompt.toml", "[prompt]\naccept = []"),
            "accept in [prompt] has no key left",
        ),
    ];
    for (path, why) in cases {
        // a FIFO must not block: the load runs on a thread the test gives two seconds
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        std::thread::spawn(move || {
            let _ = tx.send(Keymap::load_file(&p));
        });
        let result = rx
            .recv_timeout(Duration::from_secs(2))
            .unwrap_or_else(|_| panic!("loading {} hung", path.display()));
        let err = result.expect_err(why);
        assert!(err.contains(why), "{}: {err}", path.display());
    }
    let rebound = write("rebound.toml", "route-get = [\"q\"]\nquit = [\"x\"]");
    let (map, warning) = Keymap::load_file(&rebound).expect("a good keymap");
    assert_eq!(warning, None);
    assert_eq!(
        map.label(routescope::action::Action::Quit).as_deref(),
        Some("x")
    );
    // one key on two actions: both lines are ignored, the rest is used, and it is said
    let twice = write("twice.toml", "up = [\"x\"]\ndown = [\"x\"]\nquit = [\"Q\"]");
    let (map, warning) = Keymap::load_file(&twice).expect("used, with a warning");
    assert_eq!(
        warning.as_deref(),
        Some("x is bound to both up and down: both keep their keys")
    );
    assert_eq!(
        map.label(routescope::action::Action::Up).as_deref(),
        Some("↑")
    );
    assert_eq!(
        map.label(routescope::action::Action::Quit).as_deref(),
        Some("Q")
    );
}

#[test]
fn numbers_words_and_options_are_checked_strictly() {
    let dir = TempDir::new("words");
    let snap = dir.snapshot();
    let snap = snap.to_str().expect("utf-8");
    for (words, expected) in [
        ("tos 0x0x10", "tos: '0x0x10' is not a number"),
        ("mark +5", "mark: '+5' is not a number"),
        ("mark 0x+5", "mark: '0x+5' is not a number"),
        ("mark -1", "mark: '-1' is not a number (0-4294967295)"),
        ("uid -0", "uid: '-0' is not a number"),
        ("dport +443", "dport: '+443' is not a number"),
        ("ipproto +6", "ipproto: '+6' is not a protocol"),
    ] {
        let mut args = vec!["--snapshot", snap, "get", "1.1.1.1"];
        args.extend(words.split_whitespace());
        fails_with(&run(&args), 2, expected);
    }
    let long = "n".repeat(300);
    for args in [
        vec!["-n", &long, "dump"],
        vec!["-n", &long, "monitor"],
        vec!["-n", &long, "get", "1.1.1.1"],
        vec!["-n", &long],
    ] {
        let err = fails_with(&run(&args), 2, "is not a namespace name");
        assert!(err.contains('…'), "{err}");
    }
    let err = fails_with(
        &run(&["--snapshot", snap, "get", "1.1.1.1", "oif", &long]),
        2,
        "oif:",
    );
    assert!(err.contains('…'), "{err}");
    fails_with(
        &run(&["--snapshot", snap, "-n", "x", "dump"]),
        2,
        "cannot be used with",
    );
    fails_with(
        &run(&["-n", "x", "demo"]),
        2,
        "-n, --pid, --netns-path and --snapshot do not apply",
    );
}

#[test]
fn a_missing_namespace_is_the_one_error_of_every_command() {
    let expected = "no network namespace named 'rs-no-such-ns'";
    for args in [
        vec!["-n", "rs-no-such-ns", "dump"],
        vec!["-n", "rs-no-such-ns", "get", "1.1.1.1"],
        vec!["-n", "rs-no-such-ns", "monitor", "--json"],
        // the TUI checks before it takes the terminal, so no terminal is needed to see it
        vec!["-n", "rs-no-such-ns"],
    ] {
        fails_with(&run(&args), 2, expected);
    }
    // it used to lose the race with the feed in most runs
    for _ in 0..6 {
        fails_with(&run(&["-n", "rs-no-such-ns", "monitor"]), 2, expected);
    }
}

#[test]
fn a_namespace_that_may_not_be_entered_is_one_line_and_exit_4() {
    let Some(ns) = TestNetns::new("noperm") else {
        return;
    };
    for tail in [vec!["dump"], vec!["monitor"], vec![]] {
        let args: Vec<&str> = ["-n", ns.name.as_str()].into_iter().chain(tail).collect();
        let out = common::bin::run_as_nobody(&args);
        fails_with(&out, 4, "needs root");
    }
}

#[test]
fn only_network_namespaces_are_listed_or_followed() {
    let Some(ns) = TestNetns::new("list") else {
        return;
    };
    let run_netns = std::path::Path::new(routescope::net::NETNS_DIR);
    let fake = |kind: &str| run_netns.join(format!("{}-{kind}", ns.name));
    let (fifo, file, dir) = (fake("fifo"), fake("file"), fake("dir"));
    mkfifo(&fifo);
    std::fs::write(&file, "").expect("plain file");
    std::fs::create_dir(&dir).expect("directory");
    let listed = routescope::net::list_namespaces();
    let outcome = [&fifo, &file, &dir].map(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        (listed.iter().any(|l| l == name), run(&["-n", name, "dump"]))
    });
    let _ = std::fs::remove_file(&fifo);
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir(&dir);
    assert!(listed.contains(&ns.name), "{listed:?}");
    for (in_list, out) in outcome {
        assert!(!in_list, "{listed:?}");
        fails_with(&out, 2, "is not a network namespace");
    }
}
