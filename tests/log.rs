//! The log: private (0700 directory, 0600 file), never steered by another user (no symlink
//! followed, no other user's directory or file used), one escaped line per record, bounded.

mod common;

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::time::Duration;

use common::TestNetns;
use common::bin::{TempDir, run_env, stderr};
use routescope::logging::LOG_LIMIT;

/// Runs a command that fails (so it logs one error) with the given environment.
fn failing(env: &[(&str, &str)]) -> std::process::Output {
    let out = run_env(
        &["--snapshot", "/nonexistent/x.json", "dump"],
        env,
        Duration::from_secs(10),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    out
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("stat")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_log_is_private_escaped_and_bounded() {
    let tmp = TempDir::new("log");
    let state = tmp.join("state");
    let state_env = state.to_str().expect("utf-8");
    let out = failing(&[("XDG_STATE_HOME", state_env)]);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let dir = state.join("routescope");
    let log = dir.join("routescope.log");
    assert_eq!(mode(&state), 0o700, "a state directory made by routescope");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&log), 0o600);
    let text = std::fs::read_to_string(&log).expect("log");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("ERROR") && text.contains("cannot read snapshot"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no terminal codes: {text}");
    assert!(
        !text.contains("Location") && !text.contains("Backtrace"),
        "{text}"
    );

    // control characters in what is quoted stay escaped inside the one line
    let out = run_env(
        &["-n", "a\nb\u{1b}[31m", "dump"],
        &[("XDG_STATE_HOME", state_env)],
        Duration::from_secs(10),
    );
    assert_eq!(out.status.code(), Some(2));
    let text = std::fs::read_to_string(&log).expect("log");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        !text.contains('\u{1b}') && text.contains(r"a\x0ab"),
        "{text}"
    );

    // details only when asked for, and still one line
    failing(&[("XDG_STATE_HOME", state_env), ("RUST_BACKTRACE", "1")]);
    let text = std::fs::read_to_string(&log).expect("log");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.lines().last().is_some_and(|l| l.contains("Location")),
        "{text}"
    );

    // at the limit the log moves to routescope.log.1 and starts again
    let full = "x".repeat(usize::try_from(LOG_LIMIT).expect("size")) + "\n";
    std::fs::write(&log, &full).expect("fill the log");
    failing(&[("XDG_STATE_HOME", state_env)]);
    let previous = dir.join("routescope.log.1");
    assert_eq!(
        std::fs::metadata(&previous).expect(".1").len(),
        LOG_LIMIT + 1
    );
    assert!(std::fs::metadata(&log).expect("log").len() < 1024);
    assert_eq!(mode(&log), 0o600);
}

#[test]
fn a_relative_or_empty_xdg_state_home_falls_back_to_home() {
    let tmp = TempDir::new("logxdg");
    let home = tmp.join("home");
    std::fs::create_dir(&home).expect("home");
    for value in ["", "relative/state"] {
        let out = std::process::Command::new(common::bin::BIN)
            .args(["--snapshot", "/nonexistent/x.json", "dump"])
            .env_remove("RUST_BACKTRACE")
            .env("XDG_STATE_HOME", value)
            .env("HOME", &home)
            .current_dir(&tmp.0)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2));
        assert!(!tmp.join("relative").exists(), "a relative path was used");
    }
    let log = home.join(".local/state/routescope/routescope.log");
    let text = std::fs::read_to_string(&log).expect("the log under $HOME/.local/state");
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn another_users_log_is_never_followed_or_appended_to() {
    // root is needed to give files away; the namespace only decides whether this test runs
    let Some(_ns) = TestNetns::new("log") else {
        return;
    };
    let tmp = TempDir::new("logowner");
    let victim = tmp.join("victim");
    std::fs::write(&victim, "untouched\n").expect("victim");
    let nobody = Some(65534);
    let plant = |base: &Path, owner: Option<u32>, dir_owner: Option<u32>| {
        let dir = base.join("routescope");
        std::fs::create_dir_all(&dir).expect("dirs");
        std::os::unix::fs::chown(base, owner, owner).expect("chown");
        std::os::unix::fs::chown(&dir, dir_owner, dir_owner).expect("chown");
        dir.join("routescope.log")
    };
    // another user's state directory (`sudo -E` keeps XDG_STATE_HOME) with a planted symlink
    let alice = tmp.join("alice");
    let log = plant(&alice, nobody, nobody);
    std::os::unix::fs::symlink(&victim, &log).expect("symlink");
    // our state directory but another user's routescope directory
    let bob = tmp.join("bob");
    plant(&bob, None, nobody);
    // our directories, with a planted symlink and then a hard link to another file
    let carol = tmp.join("carol");
    let log_c = plant(&carol, None, None);
    std::os::unix::fs::symlink(&victim, &log_c).expect("symlink");
    let dave = tmp.join("dave");
    let log_d = plant(&dave, None, None);
    std::fs::hard_link(&victim, &log_d).expect("hard link");
    for (base, why) in [
        (&alice, "belongs to uid 65534"),
        (&bob, "belongs to uid 65534"),
        (&carol, "symbolic link"),
        (&dave, "with one name"),
    ] {
        let out = failing(&[("XDG_STATE_HOME", base.to_str().expect("utf-8"))]);
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "the refusal, then the error: {err}");
        assert!(
            lines[0].starts_with("routescope: not logging: ") && lines[0].contains(why),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "untouched\n"
    );
    assert_eq!(std::fs::metadata(&victim).expect("victim").uid(), 0);
}
