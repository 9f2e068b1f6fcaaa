//! The real program in tmux against a kernel namespace: zoom shows the whole explanation and
//! Esc returns, the copy keys reach tmux's paste buffer through OSC 52, the mouse toggle turns
//! the terminal's mouse reporting off and on (and a suspension keeps it off), and a bad config
//! file is one notice.

mod common;

use common::TestNetns;
use common::bin::{BIN, TempDir};
use common::tmux::Tmux;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

#[test]
fn zoom_copy_and_the_mouse_toggle_in_a_real_terminal() {
    let Some(ns) = TestNetns::new("screen") else {
        return;
    };
    let scenario = routescope::scenario::find("policy-uplinks").expect("scenario");
    routescope::scenario::apply_setup(&ns.name, &scenario).expect("setup");
    // the watch list and the settings live in throwaway directories, not the tester's
    let home = TempDir::new("screen-home");
    let (state, config) = (home.join("state"), home.join("config"));
    std::fs::create_dir_all(config.join("routescope")).expect("config dir");
    std::fs::write(config.join("routescope/config.toml"), "theme = \"blue\"\n").expect("config");
    // a server of its own: set-clipboard on lets the program's OSC 52 fill its paste buffer
    let t = Tmux::bash_alone("screen");
    let set = t.tmux(&["set-option", "-s", "set-clipboard", "on"]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    // alone on its line: bash would go on with the rest of a list once the job stops
    t.line(&format!(
        "XDG_STATE_HOME={} XDG_CONFIG_HOME={} {BIN} -n {}",
        state.display(),
        config.display(),
        ns.name
    ));
    let screen = t.wait_for("rules (10)");
    assert!(
        screen.contains("config.toml: unknown variant `blue`"),
        "a bad theme is one notice: {screen}"
    );
    t.keys(&["g"]);
    t.keys(&["-l", "5.5.5.5 ipproto tcp dport 443"]);
    t.keys(&["Enter"]);
    t.wait_for("kernel: agrees");

    // zoom the watch pane: every step of the explanation, the kernel's check, the history
    t.keys(&["Tab", "z"]);
    let screen = t.wait_for("History  0 change(s)");
    for step in [
        "Query    5.5.5.5 ipproto tcp dport 443",
        "Rule     0: from all lookup local",
        "Rule     120:",
        "Route    table 200",
        "Source",
        "Kernel",
        "agree",
    ] {
        assert!(screen.contains(step), "{step}: {screen}");
    }
    assert!(
        !screen.contains("rules (10)"),
        "the panes are hidden: {screen}"
    );
    t.keys(&["Escape"]);
    t.wait_for("rules (10)");

    // copy: the explanation, then the command, read back from tmux's paste buffer
    t.keys(&["y"]);
    t.wait_for("copied: Query    5.5.5.5");
    let buffer = t.tmux(&["show-buffer"]);
    let text = String::from_utf8_lossy(&buffer.stdout);
    assert!(
        text.starts_with("Query    5.5.5.5 ipproto tcp dport 443")
            && text.contains("Rule     120:"),
        "{text}"
    );
    t.keys(&["Y"]);
    let command = format!("ip -n {} route get 5.5.5.5 ipproto tcp dport 443", ns.name);
    t.wait_for(&format!("copied: {command}"));
    let buffer = t.tmux(&["show-buffer"]);
    assert_eq!(String::from_utf8_lossy(&buffer.stdout), command);

    // the mouse toggle: tmux sees the program stop and start asking for mouse events
    assert!(t.modes().contains("mouse=1"), "{}", t.modes());
    t.keys(&["m"]);
    t.wait_for("mouse off (m)");
    assert_eq!(t.modes(), "alternate=1 mouse=0 cursor=0");
    t.keys(&["m"]);
    t.wait_until("mouse capture on", |s| !s.contains("mouse off (m)"));
    assert_eq!(t.modes(), "alternate=1 mouse=1 cursor=0");
    // suspended and continued with the mouse off, it stays off
    t.keys(&["m"]);
    t.wait_for("mouse off (m)");
    kill(Pid::from_raw(t.child_pid()), Signal::SIGTSTP).expect("kill");
    t.wait_for("Stopped");
    t.line("fg");
    t.wait_for("mouse off (m)");
    assert_eq!(t.modes(), "alternate=1 mouse=0 cursor=0");
    t.keys(&["q"]);
    t.wait_until("the prompt", |s| s.lines().any(|l| l == "$"));
    t.line("echo EXITED-$?");
    let screen = t.wait_for("EXITED-");
    assert!(screen.contains("EXITED-0"), "{screen}");
    assert_eq!(t.modes(), "alternate=0 mouse=0 cursor=1", "{screen}");
}
