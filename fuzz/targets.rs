//! The fuzz targets, one per parser: each takes arbitrary bytes, must never panic, and checks
//! what the parser promises (what it accepts it can write back and read again). Shared by the
//! libFuzzer binaries (`fuzz/fuzz_targets/`, run by `fuzz/run.sh`) and by `tests/fuzz.rs`,
//! which replays the seeds in every `cargo test`.

use std::sync::OnceLock;

use routescope::keymap::Keymap;
use routescope::lookup::{Query, explain, resolve};
use routescope::model::{State, TableNames};
use routescope::report::{json, snapshot};

/// The fixture server, built once: the state that queries and netlink changes are tried on.
fn server() -> &'static State {
    static SERVER: OnceLock<State> = OnceLock::new();
    SERVER.get_or_init(routescope::fixtures::server)
}

/// A few queries every fuzzed state is asked, output and input, both families.
fn queries() -> &'static [Query] {
    static QUERIES: OnceLock<Vec<Query>> = OnceLock::new();
    QUERIES.get_or_init(|| {
        [
            "1.1.1.1",
            "127.0.0.2",
            "5.5.5.5 from 11.22.33.44 iif lo",
            "10.0.0.1 mark 0x10 ipproto tcp dport 443",
            "2001:db8::1",
        ]
        .iter()
        .filter_map(|q| Query::parse(&q.split_whitespace().collect::<Vec<_>>()).ok())
        .collect()
    })
}

/// Asks every query of `state` both ways; the cheap verdict must be the explanation's.
fn lookups(state: &State) {
    for q in queries() {
        assert_eq!(
            resolve(state, q),
            explain(state, q).verdict,
            "{}",
            q.to_words()
        );
    }
}

/// The words of `ip route get`: a query that parses writes itself back as words that parse to
/// the same query.
pub fn query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let words: Vec<&str> = text.split_whitespace().collect();
    let Ok(q) = Query::parse(&words) else { return };
    let written = q.to_words();
    let again = Query::parse(&written.split_whitespace().collect::<Vec<_>>());
    assert_eq!(again.as_ref(), Ok(&q), "{written}");
    if q.validate(server()).is_ok() {
        assert_eq!(resolve(server(), &q), explain(server(), &q).verdict);
    }
}

/// A `dump --json` file: a state that is read writes back to the same text, which reads again.
pub fn snapshot(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(state) = snapshot::parse_snapshot(text) else {
        return;
    };
    let mut first = Vec::new();
    json::write_state(&state, &mut first).expect("writes to memory");
    let written = String::from_utf8(first.clone()).expect("JSON is UTF-8");
    let again = snapshot::parse_snapshot(&written).expect("a written snapshot reads again");
    let mut second = Vec::new();
    json::write_state(&again, &mut second).expect("writes to memory");
    assert!(first == second, "a snapshot changed in a round trip");
    lookups(&state);
}

/// A keymap file: accepted on top of the defaults or refused; an accepted one leaves every
/// section's required actions a key, and its warning is one line.
pub fn keymap(data: &[u8]) {
    use routescope::keymap::Section;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Keymap::with_user(text) {
        Ok((map, warning)) => {
            for section in Section::ALL {
                for &action in section.required() {
                    assert!(map.label_in(section, action).is_some(), "{action:?}");
                }
            }
            assert!(!map.help().is_empty());
            assert!(!warning.unwrap_or_default().contains('\n'));
        }
        Err(why) => assert!(!why.is_empty()),
    }
}

/// An `rt_tables` file: every name it gives is the name of its table.
pub fn rt_tables(data: &[u8]) {
    let mut names = TableNames::default();
    names.add_file_text(&String::from_utf8_lossy(data));
    for (id, name) in names.iter() {
        assert_eq!(names.name(id), name);
        assert!(names.id(name).is_some(), "{name}");
    }
}

/// Netlink notifications, through the feed's codec and conversion, applied to a state: never a
/// panic, and the state still answers lookups and writes its JSON.
pub fn netlink(data: &[u8]) {
    let mut state = server().clone();
    for change in routescope::net::replay(data) {
        state.apply(change);
    }
    lookups(&state);
    json::write_state(&state, std::io::sink()).expect("writes to a sink");
}
