//! `routescope demo`: list the teaching scenarios, build one, or remove them all.

use std::process::ExitCode;

use crate::error::BadInput;
use crate::scenario::{self, NAMESPACE_PREFIX};

/// Lists scenarios, builds `name`, or with `clean` removes every demo namespace.
pub fn run(name: Option<&str>, clean: bool) -> color_eyre::Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
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
