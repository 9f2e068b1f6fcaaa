//! The layering, checked from the source: which top-level module may use which, no cycles, and
//! `model/`, `lookup/`, `analysis/` and `diff/` free of I/O and presentation crates (they could move
//! into their own crate unchanged).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/lookup/rules.rs` → `lookup`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// Which top-level modules each module names through `crate::`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = module_of(&src, &file);
        let text = std::fs::read_to_string(&file).expect("read");
        let used = graph.entry(from.clone()).or_default();
        for piece in text.split("crate::").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != from {
                used.insert(name);
            }
        }
    }
    graph
}

#[test]
fn model_lookup_analysis_and_diff_are_pure() {
    let graph = imports();
    assert_eq!(graph["model"], BTreeSet::new(), "model uses nothing else");
    let lookup: Vec<_> = graph["lookup"].iter().cloned().collect();
    assert_eq!(lookup, ["model"], "lookup uses only model");
    let analysis: Vec<_> = graph["analysis"].iter().cloned().collect();
    assert_eq!(
        analysis,
        ["lookup", "model"],
        "analysis uses only lookup and model"
    );
    let diff: Vec<_> = graph["diff"].iter().cloned().collect();
    assert_eq!(diff, ["lookup", "model"], "diff uses only lookup and model");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for dir in ["model", "lookup", "analysis", "diff"] {
        let mut files = Vec::new();
        rust_files(&src.join(dir), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            for banned in [
                "ratatui::",
                "crossterm::",
                "tokio::",
                "rtnetlink::",
                "netlink_packet",
                "netlink_sys",
                "std::fs",
                "std::io",
                "std::process",
            ] {
                assert!(!text.contains(banned), "{} uses {banned}", file.display());
            }
        }
    }
}

/// Depth-first search for a back edge, panicking with the cycle it closes.
fn visit(
    node: &str,
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) {
    if let Some(at) = path.iter().position(|p| p == node) {
        panic!("import cycle: {} -> {node}", path[at..].join(" -> "));
    }
    if done.contains(node) {
        return;
    }
    path.push(node.to_owned());
    for next in graph.get(node).into_iter().flatten() {
        visit(next, graph, path, done);
    }
    path.pop();
    done.insert(node.to_owned());
}

#[test]
fn the_modules_form_no_cycle() {
    let graph = imports();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}
