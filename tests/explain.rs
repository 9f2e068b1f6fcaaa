//! The lookup against the kernel: the teaching scenarios, and (below) the differential test.
//!
//! Kernel tests build throwaway network namespaces (root needed). They fail when `CI=true` and
//! namespaces cannot be created, and are skipped with a note otherwise.

use std::process::Command;

use routescope::scenario::{self, Scenario, Try};

/// A network namespace that exists for the life of the value and is removed on drop.
struct Netns(String);

impl Netns {
    /// Builds `scenario` in a fresh namespace, or says why it cannot (None: skip).
    fn with_scenario(tag: &str, scenario: &Scenario) -> Option<Self> {
        let name = format!("rs-test-{}-{tag}", std::process::id());
        match scenario::build(&name, scenario) {
            Ok(()) => Some(Self(name)),
            Err(err) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true but the scenario namespace could not be built: {err:#}")
            }
            Err(err) => {
                eprintln!("skipping kernel test (needs root and network namespaces): {err:#}");
                None
            }
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        scenario::remove(&self.0);
    }
}

/// What `ip -j route get` says: the route type or the errno name, the device and the source.
#[derive(Debug)]
struct IpAnswer {
    kind: String,
    dev: Option<String>,
    src: Option<String>,
    table: Option<String>,
}

/// Asks iproute2 in namespace `ns`, turning its error messages back into errno names.
fn ip_route_get(ns: &str, query: &str) -> IpAnswer {
    let out = Command::new("ip")
        .args(["-n", ns, "-j", "route", "get"])
        .args(query.split_whitespace())
        .output()
        .expect("ip runs");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let errno = [
            ("Network is unreachable", "ENETUNREACH"),
            ("No route to host", "EHOSTUNREACH"),
            ("Permission denied", "EACCES"),
            ("Invalid argument", "EINVAL"),
            ("No such device", "ENODEV"),
        ]
        .iter()
        .find(|(text, _)| err.contains(text))
        .map_or_else(
            || format!("unknown error: {err}"),
            |(_, name)| (*name).to_owned(),
        );
        return IpAnswer {
            kind: errno,
            dev: None,
            src: None,
            table: None,
        };
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ip -j prints JSON");
    let route = &json[0];
    let text = |key: &str| route[key].as_str().map(str::to_owned);
    IpAnswer {
        kind: text("type").unwrap_or_else(|| "unicast".into()),
        dev: text("dev"),
        src: text("prefsrc").or_else(|| text("from")),
        table: text("table"),
    }
}

/// Checks one suggested query of a scenario against the kernel's answer.
fn check_try_against_kernel(ns: &str, scenario: &str, t: &Try) {
    let got = ip_route_get(ns, &t.query);
    let context = format!(
        "scenario {scenario}, `ip route get {}`: kernel says {got:?}",
        t.query
    );
    assert_eq!(got.kind, t.kind, "{context}");
    if let Some(dev) = &t.dev {
        assert_eq!(got.dev.as_ref(), Some(dev), "{context}");
    }
    if let Some(src) = &t.src {
        assert_eq!(got.src.as_ref(), Some(src), "{context}");
    }
    if let Some(table) = t.table.filter(|&t| t != 254 && t != 255) {
        assert_eq!(got.table, Some(table.to_string()), "{context}");
    }
}

#[test]
fn every_teaching_scenario_answers_as_its_data_says() {
    for scenario in scenario::all() {
        let Some(ns) = Netns::with_scenario(&scenario.name, &scenario) else {
            return;
        };
        for t in &scenario.tries {
            check_try_against_kernel(&ns.0, &scenario.name, t);
        }
    }
}
