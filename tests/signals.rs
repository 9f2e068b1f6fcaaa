//! Every way out of the TUI gives the terminal back (SIGINT, SIGQUIT, SIGTERM, SIGHUP, with
//! status 128 + N), SIGTSTP suspends it cleanly and SIGCONT takes the terminal again, and a
//! deleted namespace is said on screen (routescope holds it open, so it still answers): the real
//! program in tmux, with the terminal's modes read back from tmux and `stty`.

mod common;

use common::TestNetns;
use common::bin::{BIN, TempDir};
use common::tmux::Tmux;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// What the shell prints after the program: its status, then any raw-mode flag left on.
const AFTER: &str = "; echo EXITED-$?; echo STTY:$(stty -a | grep -ow -- '-icanon\\|-echo\\|-isig' | tr '\\n' ' ')E''ND";

/// The terminal as a shell wants it: main screen, no mouse reporting, cursor shown, cooked.
fn assert_restored(t: &Tmux, status: i32) {
    let screen = t.wait_for("END");
    assert!(screen.contains(&format!("EXITED-{status}")), "{screen}");
    assert!(screen.contains("STTY:END"), "raw mode left on: {screen}");
    assert_eq!(t.modes(), "alternate=0 mouse=0 cursor=1", "{screen}");
}

#[test]
fn every_signal_that_ends_the_tui_restores_the_terminal() {
    let tmp = TempDir::new("signals");
    let snapshot = tmp.snapshot();
    for signal in [
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGTERM,
        Signal::SIGHUP,
    ] {
        let t = Tmux::bash("sig");
        t.line(&format!("{BIN} --snapshot {}{AFTER}", snapshot.display()));
        t.wait_for("rules (");
        assert_eq!(t.modes(), "alternate=1 mouse=1 cursor=0");
        kill(Pid::from_raw(t.child_pid()), signal).expect("kill");
        assert_restored(&t, 128 + signal as i32);
    }
}

#[test]
fn suspend_and_continue_give_the_terminal_back_and_take_it_again() {
    let tmp = TempDir::new("suspend");
    let snapshot = tmp.snapshot();
    let t = Tmux::bash("tstp");
    // alone on its line: bash would go on with the rest of a list once the job stops
    t.line(&format!("{BIN} --snapshot {}", snapshot.display()));
    t.wait_for("rules (");
    let pid = Pid::from_raw(t.child_pid());
    kill(pid, Signal::SIGTSTP).expect("kill");
    let screen = t.wait_for("Stopped");
    assert_eq!(t.modes(), "alternate=0 mouse=0 cursor=1", "{screen}");
    t.line("echo STTY:$(stty -a | grep -ow -- '-icanon\\|-echo' | tr '\\n' ' ')E''ND");
    let screen = t.wait_for("END");
    assert!(
        screen.contains("STTY:END"),
        "raw mode while suspended: {screen}"
    );
    t.line("fg");
    t.wait_for("rules (");
    assert_eq!(t.modes(), "alternate=1 mouse=1 cursor=0");
    // raw mode again: a single key, no Enter, opens the help overlay
    t.keys(&["?"]);
    t.wait_for("show or hide this help");
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.wait_until("the prompt", |s| s.lines().any(|l| l == "$"));
    t.line(AFTER.trim_start_matches("; "));
    assert_restored(&t, 0);
}

#[test]
fn a_deleted_namespace_is_noticed_and_still_answers() {
    let Some(ns) = TestNetns::new("gone") else {
        return;
    };
    ns.ip_each(&[
        "link add eth0 type veth peer name eth0p",
        "link set eth0 up",
        "link set eth0p up",
        "addr add 198.51.100.2/24 dev eth0",
        "route add default via 198.51.100.1",
    ]);
    let t = Tmux::bash("gone");
    t.line(&format!("{BIN} -n {}{AFTER}", ns.name));
    t.wait_for("rules (");
    t.keys(&["g"]);
    t.keys(&["-l", "5.5.5.5"]);
    t.keys(&["Enter"]);
    t.wait_for("kernel: agrees");
    let deleted = std::process::Command::new("ip")
        .args(["netns", "del", &ns.name])
        .status()
        .expect("ip runs");
    assert!(deleted.success());
    t.wait_for("namespace deleted: this is its last state");
    // routescope opened the namespace once and holds it: the kernel still answers, from the
    // namespace that was followed, not from whatever the name may be bound to next
    t.keys(&["g"]);
    t.keys(&["-l", "5.5.5.6"]);
    t.keys(&["Enter"]);
    t.wait_until("the new question answered", |s| {
        s.contains("5.5.5.6") && s.contains("kernel: agrees") && !s.contains("asking…")
    });
    t.keys(&["q"]);
    assert_restored(&t, 0);
}
