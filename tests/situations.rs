//! Every situation the explainer once got wrong, rebuilt from `docs/repro/` in a namespace of its
//! own and asked of both the kernel and routescope: routescope must agree on each query.

mod common;

use std::process::Command;

use common::TestNetns;

/// The reproduction scripts, in order.
fn scripts() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/repro");
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .expect("docs/repro exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "sh")
                && p.file_name().is_some_and(|n| n != "common.sh")
        })
        .collect();
    all.sort();
    all
}

#[test]
fn every_reproduced_situation_agrees_with_the_kernel() {
    // the scripts make their own namespace; this one only proves namespaces can be made here
    let Some(_gate) = TestNetns::new("situations") else {
        return;
    };
    let scripts = scripts();
    assert!(scripts.len() >= 20, "only {} scripts", scripts.len());
    for script in scripts {
        let out = Command::new("sh")
            .arg(&script)
            .env("RS", env!("CARGO_BIN_EXE_routescope"))
            .output()
            .expect("sh runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let name = script.display();
        assert!(out.status.success(), "{name} failed:\n{text}");
        let asked = text
            .lines()
            .filter(|l| l.trim_start().starts_with("Kernel"))
            .count();
        assert!(asked > 0, "{name} asked the kernel nothing:\n{text}");
        assert!(
            !text.contains("DISAGREE"),
            "{name}: routescope disagrees with the kernel:\n{text}"
        );
    }
}
