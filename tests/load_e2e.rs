//! The real program in tmux on a namespace holding 300,000 routes: the first frame shows the
//! load going on (`loading: N IPv4, M IPv6 routes so far`) before the full count, then every
//! route, and q quits cleanly.

mod common;

use std::time::{Duration, Instant};

use common::TestNetns;
use common::bin::{BIN, TempDir};
use common::tmux::Tmux;

/// The routes loaded into the namespace.
const ROUTES: usize = 300_000;

/// The route count of the status line (`· N routes`), once the load is done.
fn full_count(screen: &str) -> Option<usize> {
    let line = screen.lines().find(|l| l.contains(" rules · "))?;
    let head = &line[..line.find(" routes")?];
    let start = head.rfind("· ")? + "· ".len();
    head[start..].parse().ok()
}

#[test]
fn the_load_shows_its_progress_then_every_route() {
    let Some(ns) = TestNetns::new("load") else {
        return;
    };
    ns.ip_each(&[
        "link add d0 type veth peer name d1",
        "link set d0 up",
        "link set d1 up",
        "addr add 198.18.0.2/24 dev d0",
    ]);
    let lines: Vec<String> = (0..ROUTES)
        .map(|i| {
            format!(
                "route add {}.{}.{}.0/24 via 198.18.0.1 proto bgp",
                1 + (i >> 16),
                (i >> 8) & 255,
                i & 255
            )
        })
        .collect();
    ns.batch(&lines);
    let home = TempDir::new("load-home");
    let t = Tmux::bash_alone("load");
    t.line(&format!(
        "XDG_STATE_HOME={} XDG_CONFIG_HOME={} {BIN} -n {}; echo EXITED-$?",
        home.join("state").display(),
        home.join("config").display(),
        ns.name
    ));
    // poll as fast as tmux answers: the load of 300,000 routes takes a few hundred ms
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut progress: Vec<String> = Vec::new();
    let full = loop {
        let screen = t.screen();
        if let Some(line) = screen.lines().find(|l| l.contains("loading: ")) {
            let from = line.find("loading: ").unwrap_or(0);
            let to = line
                .find(" so far")
                .map_or(line.len(), |at| at + " so far".len());
            let shown = line[from..to].to_owned();
            if progress.last() != Some(&shown) {
                progress.push(shown);
            }
        }
        if let Some(count) = full_count(&screen).filter(|c| *c >= ROUTES) {
            break count;
        }
        assert!(
            Instant::now() < deadline,
            "every route not shown in 30 s; the screen is:\n{screen}"
        );
    };
    println!("progress lines seen before the full count ({full} routes): {progress:?}");
    assert!(
        !progress.is_empty(),
        "no progress line before the full count"
    );
    assert!(
        progress.iter().all(|p| p.ends_with("IPv6 routes so far")),
        "{progress:?}"
    );
    // the count grows while the dump goes on (a report every 32,768 routes)
    assert!(
        progress.iter().any(|p| !p.starts_with("loading: 0 IPv4")),
        "{progress:?}"
    );
    t.keys(&["q"]);
    t.wait_for("EXITED-0");
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "the terminal is given back"
    );
}
