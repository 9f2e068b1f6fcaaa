//! Link names that are not UTF-8, against the kernel: the link stays in the dump with its bytes,
//! text shows it escaped, `dump --json` reads back as the same state, `get` agrees with the
//! kernel through it, and the feed follows such links without a `parse_error`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;
use std::time::Duration;

use routescope::model::{Selector, SelectorKind, State};
use routescope::net::{self, FeedEvent};
use routescope::report::{json, snapshot, text};

use crate::common::{TestNetns, runtime};
use crate::{assert_same, normalized};

/// Runs `ip -n NS` with arguments that may hold any byte; panics if it fails.
fn ip(ns: &TestNetns, args: &[&[u8]]) {
    let out = Command::new("ip")
        .args(["-n", &ns.name])
        .args(args.iter().map(|a| OsStr::from_bytes(a)))
        .output()
        .expect("ip runs");
    assert!(
        out.status.success(),
        "ip {:?}: {}",
        args.iter()
            .map(|a| String::from_utf8_lossy(a))
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the routescope binary; returns its exit status and standard output.
fn routescope(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_routescope"))
        .args(args)
        .output()
        .expect("routescope runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// `e\xff` with an address, a labelled secondary, a route through it and a rule naming it.
fn named_link(ns: &TestNetns) {
    let name: &[u8] = b"e\xff";
    ip(
        ns,
        &[
            b"link", b"add", name, b"type", b"veth", b"peer", b"name", b"p0",
        ],
    );
    ip(ns, &[b"link", b"set", name, b"up"]);
    ip(ns, &[b"link", b"set", b"p0", b"up"]);
    ip(ns, &[b"addr", b"add", b"10.9.0.1/24", b"dev", name]);
    ip(
        ns,
        &[
            b"addr",
            b"add",
            b"10.9.0.7/24",
            b"dev",
            name,
            b"label",
            b"e\xff:x",
        ],
    );
    ip(ns, &[b"route", b"add", b"10.8.0.0/16", b"via", b"10.9.0.2"]);
    ip(
        ns,
        &[
            b"rule", b"add", b"pref", b"100", b"iif", name, b"lookup", b"100",
        ],
    );
}

#[test]
fn a_link_named_with_a_0xff_byte_is_dumped_read_back_and_explained() {
    let Some(ns) = TestNetns::new("names") else {
        return;
    };
    named_link(&ns);
    let state = runtime()
        .block_on(net::dump_state(&ns.netns()))
        .expect("dump");
    let link = state
        .links
        .values()
        .find(|l| l.name.as_bytes() == b"e\xff")
        .expect("the link is in the dump, with its bytes");
    let labels: Vec<_> = state
        .addresses_of(link.index, routescope::model::Family::V4)
        .collect();
    assert_eq!(labels.len(), 2, "both addresses are in the dump");
    assert!(
        labels
            .iter()
            .any(|a| a.label.as_ref().is_some_and(|l| l.as_bytes() == b"e\xff:x")),
        "the label keeps its bytes"
    );
    let rule = state
        .rules
        .iter()
        .find(|r| r.priority == 100)
        .expect("rule");
    assert!(
        matches!(rule.selector(SelectorKind::Iif), Some(Selector::Iif { name, detached: false }) if name.as_bytes() == b"e\xff"),
        "the rule names the link and is attached: {rule:?}"
    );

    let mut out = Vec::new();
    text::write_state(&state, &mut out).expect("text");
    let shown = String::from_utf8(out).expect("text output is UTF-8");
    assert!(shown.contains("e\\xff        UP"), "{shown}");
    assert!(shown.contains("via 10.9.0.2 dev e\\xff"), "{shown}");
    assert!(shown.contains("iif e\\xff lookup 100"), "{shown}");
    assert!(
        !shown.contains("dev if"),
        "no device shown by index: {shown}"
    );

    let mut first = Vec::new();
    json::write_state(&state, &mut first).expect("json");
    let text = String::from_utf8(first.clone()).expect("JSON is UTF-8");
    assert!(text.contains("\"name\":\"hex:65ff\""), "{text}");
    let back = snapshot::parse_snapshot(&text).expect("the dump reads back as a snapshot");
    assert!(back.links.values().any(|l| l.name.as_bytes() == b"e\xff"));
    let mut second = Vec::new();
    json::write_state(&back, &mut second).expect("json");
    assert_eq!(
        String::from_utf8_lossy(&second),
        text,
        "the snapshot writes the same dump"
    );

    for query in [
        vec!["get", "10.8.1.1"],
        vec!["get", "10.8.1.1", "oif", "e\\xff"],
        vec!["get", "10.8.1.1", "oif", "hex:65ff", "--json"],
    ] {
        let mut args = vec!["-n", ns.name.as_str()];
        args.extend(&query);
        let (status, out) = routescope(&args);
        assert_eq!(status, Some(0), "{query:?}: {out}");
        if query.contains(&"--json") {
            let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
            assert_eq!(v["agree"], true, "{out}");
            assert_eq!(v["kernel"]["dev"], "hex:65ff", "{out}");
        } else {
            assert!(out.contains("dev e\\xff src 10.9.0.1"), "{query:?}: {out}");
            assert!(out.contains("agree"), "{query:?}: {out}");
        }
    }
}

#[test]
fn the_feed_follows_links_whose_names_are_not_utf8() {
    let Some(ns) = TestNetns::new("names-feed") else {
        return;
    };
    runtime().block_on(async {
        let (mut rx, feed) = crate::common::follow(&ns);
        let mut state = State::default();
        let mut errors = Vec::new();
        let mut drain = async |state: &mut State, errors: &mut Vec<String>| {
            while let Ok(Some(event)) =
                tokio::time::timeout(Duration::from_millis(400), rx.recv()).await
            {
                if let FeedEvent::ParseError { kind, error } = &event {
                    errors.push(format!("type {kind}: {error}"));
                }
                net::apply(state, event);
            }
        };
        drain(&mut state, &mut errors).await;
        named_link(&ns);
        ip(&ns, &[b"link", b"set", b"e\xff", b"name", b"f\xfe\xfd"]);
        drain(&mut state, &mut errors).await;
        assert!(errors.is_empty(), "parse errors: {errors:?}");
        let fresh = net::dump_state(&ns.netns()).await.expect("dump");
        assert!(
            fresh
                .links
                .values()
                .any(|l| l.name.as_bytes() == b"f\xfe\xfd")
        );
        assert_same(
            &normalized(&state),
            &normalized(&fresh),
            "the followed state differs from a fresh dump",
        );
        drop(rx);
        feed.await.expect("feed task").expect("feed ends cleanly");
    });
}
