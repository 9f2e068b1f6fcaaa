//! `routescope demo`: list the teaching scenarios, build one and open it as a lesson, or remove
//! them all.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use crate::app::Lesson;
use crate::error::BadInput;
use crate::model::escape;
use crate::net::Target;
use crate::scenario::{self, NAMESPACE_PREFIX};

/// Lists scenarios, builds `name` and opens it as a lesson in the TUI (or, with `no_tui` or
/// when standard output is not a terminal, prints what to try), or with `clean` removes every
/// demo namespace.
pub fn run(
    name: Option<&str>,
    clean: bool,
    no_tui: bool,
    looks: crate::tui::Looks,
) -> color_eyre::Result<ExitCode> {
    if clean {
        clean_all();
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = name else {
        println!("Teaching scenarios (build one with `routescope demo NAME`, root needed):\n");
        for s in scenario::all() {
            println!("  {:<18} {}", s.name, s.title);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let scenario = scenario::find(name).map_err(|e| BadInput(e.to_string()))?;
    let netns = format!("{NAMESPACE_PREFIX}{}", scenario.name);
    if std::path::Path::new("/run/netns").join(&netns).exists() {
        scenario::remove(&netns);
    }
    scenario::build(&netns, &scenario)?;
    if no_tui || !std::io::stdout().is_terminal() {
        print_tries(&scenario, &netns);
        return Ok(ExitCode::SUCCESS);
    }
    let opened = Target::Named(netns.clone()).open()?;
    let (status, remove) = crate::tui::run_lesson(&opened, Lesson::of(&scenario, &netns), &looks)?;
    // the terminal is back: say what became of the namespace (stdout may be gone after a hangup)
    let mut out = std::io::stdout();
    let _ = match remove {
        Some(ns) => {
            scenario::remove(&ns);
            writeln!(out, "removed network namespace {}", escape(&ns))
        }
        None => writeln!(
            out,
            "kept network namespace {netns}: follow it with `routescope -n {netns}`, remove it \
             with `routescope demo --clean`"
        ),
    };
    Ok(status)
}

/// The scenario's story and the queries to try, as `demo NAME --no-tui` prints them.
fn print_tries(scenario: &scenario::Scenario, netns: &str) {
    println!("{}\n\n{}", scenario.title, scenario.story.trim());
    println!("\nBuilt in network namespace {netns}. Try:\n");
    println!("  routescope -n {netns}                 # the live view; press g to ask");
    for t in &scenario.tries {
        println!("  routescope -n {netns} get {}", t.query);
        println!(
            "      {}",
            t.why.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    println!("\nRemove it with `routescope demo --clean`.");
}

/// Removes every namespace whose name starts with the demo prefix.
fn clean_all() {
    let Ok(entries) = std::fs::read_dir("/run/netns") else {
        println!("no demo namespaces");
        return;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(NAMESPACE_PREFIX) {
            scenario::remove(&name);
            println!("removed {}", crate::model::escape(&name));
            removed += 1;
        }
    }
    if removed == 0 {
        println!("no demo namespaces");
    }
}
