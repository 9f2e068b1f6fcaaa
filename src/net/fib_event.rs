//! The kernel's fib tracepoint lines read into typed events, and sorted into the request's own
//! rule walk and the other lookups the request causes.
//!
//! `fib:fib_table_lookup` fires once per IPv4 table consulted (a missing table fires nothing, and
//! an IPv4 table exists only once a route was added to it: a new namespace has none; while local
//! and main are merged the one trie reports as 254), with `err` 0 for a route, -11 (EAGAIN) for
//! nothing or a `throw`, or the error of a reject route.
//! `fib6:fib6_table_lookup` fires once per IPv6 table after backtracking: -11 is a `throw`, and
//! a miss is the null entry, `dev lo gw :: err -113`. The same request may also look up the
//! `from` address in table local (iif 0) and, for `iif` queries with `rp_filter`, the way back
//! to the source; those are kept apart. Printed forms (6.18; 6.12 has no `flowlabel`):
//!
//! ```text
//! table %u oif %d iif %d proto %u %pI4/%u -> %pI4/%u tos %d scope %d flags %x ==> dev %s gw %pI4/%pI6c err %d
//! table %3u oif %d iif %d proto %u %pI6c/%u -> %pI6c/%u flowlabel %#x tos %d scope %d flags %x ==> dev %s gw %pI6c err %d
//! ```

use std::net::IpAddr;

use crate::lookup::TableResult;
use crate::model::{Answer, Errno, Family, Outcome, table};

/// The event names of the two tracepoints, as `trace_pipe` prints them before the fields.
const EVENTS: [(&str, Family); 2] = [
    (": fib_table_lookup: ", Family::V4),
    (": fib6_table_lookup: ", Family::V6),
];

/// EAGAIN: the table has nothing for the flow (IPv4) or a `throw` route (both families).
const EAGAIN: i32 = -11;
/// EHOSTUNREACH: an `unreachable` route, or (IPv6) the null entry of a miss.
const EHOSTUNREACH: i32 = -113;

/// One table lookup as a fib tracepoint prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FibEvent {
    pub family: Family,
    pub table: u32,
    /// 0, or the negative errno of the lookup.
    pub err: i32,
    pub oif: i32,
    pub iif: i32,
    pub proto: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The device of the route found (`None` where the kernel prints `-`).
    pub dev: Option<String>,
    pub gateway: Option<IpAddr>,
}

/// Reads one line of `trace`/`trace_pipe`: `Ok(None)` for headers and other events, `Err` for a
/// fib line whose fields are not where the notes say (a changed format).
pub fn parse_line(line: &str) -> Result<Option<FibEvent>, String> {
    let line = line.trim_end();
    if line.starts_with('#') {
        return Ok(None);
    }
    let Some((at, name, family)) = EVENTS
        .iter()
        .find_map(|(name, family)| line.find(name).map(|at| (at, name, *family)))
    else {
        return Ok(None);
    };
    parse_fields(family, &line[at + name.len()..])
        .map(Some)
        .ok_or_else(|| format!("unreadable fib trace line: {}", line.trim_start()))
}

/// The fields after the event name: `table N oif N iif N proto N SRC/P -> DST/P … ==> dev D gw G err E`.
fn parse_fields(family: Family, text: &str) -> Option<FibEvent> {
    let (flow, result) = text.split_once(" ==> ")?;
    let flow: Vec<&str> = flow.split_whitespace().collect();
    let result: Vec<&str> = result.split_whitespace().collect();
    let arrow = flow.iter().position(|w| *w == "->")?;
    let address = |word: &str| word.rsplit_once('/')?.0.parse::<IpAddr>().ok();
    let src = address(flow.get(arrow.checked_sub(1)?)?)?;
    let dst = address(flow.get(arrow + 1)?)?;
    let dev = value(&result, "dev")?;
    Some(FibEvent {
        family,
        table: value(&flow, "table")?.parse().ok()?,
        err: value(&result, "err")?.parse().ok()?,
        oif: value(&flow, "oif")?.parse().ok()?,
        iif: value(&flow, "iif")?.parse().ok()?,
        proto: value(&flow, "proto")?.parse().ok()?,
        src,
        dst,
        dev: (dev != "-").then(|| dev.to_owned()),
        gateway: gateway(value(&result, "gw")?).ok()?,
    })
}

/// The word after `key` in `words`.
fn value<'a>(words: &[&'a str], key: &str) -> Option<&'a str> {
    let at = words.iter().position(|w| *w == key)?;
    words.get(at + 1).copied()
}

/// A gateway as printed: `A.B.C.D/IPV6` for IPv4 events (either may be set), `IPV6` for IPv6.
fn gateway(word: &str) -> Result<Option<IpAddr>, std::net::AddrParseError> {
    let mut set = None;
    for part in word.split('/') {
        let addr: IpAddr = part.parse()?;
        if set.is_none() && !addr.is_unspecified() {
            set = Some(addr);
        }
    }
    Ok(set)
}

/// Why the thread looked a table up, relative to one route-get request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The request's own rule walk, to its destination.
    Walk,
    /// The `from S` locality check of an output lookup (`__ip_dev_find`: table local, iif 0).
    SourceCheck,
    /// A reverse-path lookup of source validation (`rp_filter`): to the packet's source.
    ReversePath,
    /// Anything else (another destination).
    Other,
}

impl Purpose {
    /// A short name for text and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Walk => "walk",
            Self::SourceCheck => "source check",
            Self::ReversePath => "reverse path",
            Self::Other => "other",
        }
    }
}

/// What the request looked like to the kernel: destination, source, and input device.
#[derive(Debug, Clone, Copy)]
pub struct Asked {
    pub dst: IpAddr,
    pub src: Option<IpAddr>,
    pub iif: Option<u32>,
}

impl Asked {
    /// Why the kernel made this lookup while answering the request.
    ///
    /// A reverse-path lookup runs to the source from the forward device; when source and
    /// destination are one address only a different `iif` tells it apart here (and otherwise
    /// its place: see `KernelTrace::new`).
    pub fn purpose(&self, e: &FibEvent) -> Purpose {
        if Family::of(e.dst) != Family::of(self.dst) {
            return Purpose::Other;
        }
        if e.family == Family::V4 && e.iif == 0 && e.table == table::LOCAL {
            return Purpose::SourceCheck;
        }
        // an IPv4 input walk has no oif (`ip_route_input_slow`); the second lookup of a loose
        // source check has the arrival device as oif (`__fib_validate_source`)
        if e.family == Family::V4 && self.iif.is_some() && e.oif != 0 {
            return if Some(e.dst) == self.src {
                Purpose::ReversePath
            } else {
                Purpose::Other
            };
        }
        let own_iif = self.iif.is_none_or(|i| i64::from(i) == i64::from(e.iif));
        if Some(e.dst) == self.src && (e.dst != self.dst || !own_iif) {
            return Purpose::ReversePath;
        }
        if e.dst == self.dst {
            Purpose::Walk
        } else {
            Purpose::Other
        }
    }
}

/// The kernel's fib trace of one request: its rule walk, and the other lookups it caused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KernelTrace {
    /// The walk: table, err as traced, and what that means for the walk.
    pub walk: Vec<(u32, i32, TableResult)>,
    /// Lookups outside the walk (source check, `rp_filter`), with why.
    pub other: Vec<(Purpose, FibEvent)>,
}

impl KernelTrace {
    /// Sorts the events of one request and reads the walk's results, using the kernel's final
    /// answer where IPv6 prints a miss and an `unreachable` route alike.
    pub fn new(events: Vec<FibEvent>, asked: &Asked, answer: &Answer) -> Self {
        let mut sorted: Vec<(Purpose, FibEvent)> =
            events.into_iter().map(|e| (asked.purpose(&e), e)).collect();
        // an IPv4 packet to its own source, leaving by the device it came in on: the way back
        // has the walk's destination, source and iif, and is told apart only by its place
        let ambiguous = asked.src == Some(asked.dst) && asked.iif.is_some();
        if ambiguous && Family::of(asked.dst) == Family::V4 {
            let walk: Vec<FibEvent> = sorted
                .iter()
                .filter(|(p, _)| *p == Purpose::Walk)
                .map(|(_, e)| e.clone())
                .collect();
            if let Some(end) = way_back_starts(&walk, asked, answer) {
                sorted
                    .iter_mut()
                    .filter(|(p, _)| *p == Purpose::Walk)
                    .skip(end)
                    .for_each(|(p, _)| *p = Purpose::ReversePath);
            }
        }
        let (walk, other): (Vec<_>, Vec<_>) =
            sorted.into_iter().partition(|(p, _)| *p == Purpose::Walk);
        let last = walk.len().saturating_sub(1);
        Self {
            walk: walk
                .iter()
                .enumerate()
                .map(|(i, (_, e))| (e.table, e.err, table_result(e, i == last, answer)))
                .collect(),
            other,
        }
    }

    /// The walk as routescope's `Explanation::table_lookups()` gives its own.
    pub fn tables(&self) -> Vec<(u32, TableResult)> {
        self.walk.iter().map(|&(t, _, r)| (t, r)).collect()
    }

    /// The lookups outside the walk: why, table and err.
    pub fn other_lookups(&self) -> Vec<(&'static str, u32, i32)> {
        self.other
            .iter()
            .map(|(p, e)| (p.name(), e.table, e.err))
            .collect()
    }
}

/// Where the way back starts among the lookups of an IPv4 input query to its own source that
/// look like its walk (same destination, source and iif), or `None` when all are the walk.
///
/// The way back is the reverse lookup of `__fib_validate_source`: `fib_lookup` of a flow with
/// `iif = oif ? : LOOPBACK_IFINDEX`, where `oif` is the device the packet leaves by (0 for local
/// delivery). Only these can be among the lookups:
/// * it runs only after a walk that found a route, and once the check passes the request answers
///   with that route; when it fails, with EINVAL or EXDEV. Any other answer had no way back;
/// * it looks like the walk only when the device the answer leaves by (lo for local delivery
///   and broadcast) is the arrival device;
/// * with the same mark (0, or `src_valid_mark`) and ports, its flow is the walk's own, and the
///   same rules repeat the same lookups: the lookups are the walk twice. A rule whose suppress
///   option rejects a route makes the walk go on after a lookup that found one, so the first
///   route found does not end the walk;
/// * otherwise (a mark the way back drops, swapped ports) its rule walk may differ: then the
///   walk is taken to end at the first route found in the answer's table.
fn way_back_starts(walk: &[FibEvent], asked: &Asked, answer: &Answer) -> Option<usize> {
    match answer.outcome {
        Outcome::Route(_) => {
            if answer.dev.is_some() && answer.dev != asked.iif {
                return None;
            }
        }
        Outcome::Error(Errno::Einval | Errno::Exdev) => {}
        Outcome::Error(_) => return None,
    }
    let half = walk.len() / 2;
    if half > 0 && walk.len() % 2 == 0 && walk[..half] == walk[half..] && walk[half - 1].err == 0 {
        return Some(half);
    }
    (1..walk.len()).find(|&end| {
        let last = &walk[end - 1];
        last.err == 0 && answer.table.is_none_or(|t| t == last.table)
    })
}

/// What one traced lookup means for the walk.
///
/// IPv6 reports a miss as the null entry (`dev lo gw :: err -113`), which an `unreachable`
/// route prints identically; only an `unreachable` route ends the walk with EHOSTUNREACH (an
/// IPv6 miss everywhere, and the IPv6 `unreachable` rule action, end in ENETUNREACH).
fn table_result(e: &FibEvent, last: bool, answer: &Answer) -> TableResult {
    let null_entry = e.dev.as_deref() == Some("lo") && e.gateway.is_none();
    let ended_unreachable = last && answer.outcome == Outcome::Error(Errno::Ehostunreach);
    match (e.family, e.err) {
        (_, 0) => TableResult::Found,
        (Family::V4, EAGAIN) => TableResult::NotFound,
        (Family::V6, EAGAIN) => TableResult::Threw,
        (Family::V6, EHOSTUNREACH) if null_entry && !ended_unreachable => TableResult::NotFound,
        (_, err) => TableResult::Failed(Errno::from_code(err.saturating_neg())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines recorded on 6.18.44: hits, misses, an unreachable route, the null entry, a source
    /// check and a reverse-path lookup.
    const V4_HIT: &str = "ip-8240  [000] .....  1150.820967: fib_table_lookup: table 254 oif 0 iif 1 proto 17 0.0.0.0/0 -> 8.8.8.8/0 tos 0 scope 0 flags 0 ==> dev v0 gw 10.0.0.254/:: err 0";
    const V4_MISS: &str = "ip-8250  [000] .....  1150.861698: fib_table_lookup: table 255 oif 0 iif 1 proto 17 0.0.0.0/0 -> 8.8.8.8/0 tos 0 scope 0 flags 0 ==> dev - gw 0.0.0.0/:: err -11";
    const V4_UNREACHABLE: &str = "ip-8257  [001] .....  1150.906635: fib_table_lookup: table 254 oif 0 iif 1 proto 17 0.0.0.0/0 -> 20.1.1.1/0 tos 0 scope 0 flags 0 ==> dev - gw 0.0.0.0/:: err -113";
    const V6_NULL: &str = "ip-8244  [000] .....  1150.833863: fib6_table_lookup: table 255 oif 0 iif 1 proto 0 ::/0 -> 2001:db8:9::1/0 flowlabel 0x0 tos 0 scope 0 flags 0 ==> dev lo gw :: err -113";
    const V6_HIT: &str = "ip-8244  [000] .....  1150.833866: fib6_table_lookup: table 254 oif 0 iif 1 proto 0 ::/0 -> 2001:db8:9::1/0 flowlabel 0x0 tos 0 scope 0 flags 0 ==> dev v0 gw 2001:db8:1::fe err 0";
    const SOURCE_CHECK: &str = "ip-26513   [000] .....  2032.973042: fib_table_lookup: table 255 oif 0 iif 0 proto 0 0.0.0.0/0 -> 10.9.9.9/0 tos 0 scope 0 flags 0 ==> dev - gw 0.0.0.0/:: err -11";
    const REVERSE: &str = "ip-26514   [000] .....  2032.977171: fib_table_lookup: table 254 oif 0 iif 3 proto 0 8.8.8.8/0 -> 10.1.0.9/0 tos 0 scope 0 flags 0 ==> dev v1 gw 0.0.0.0/:: err 0";

    fn event(line: &str) -> FibEvent {
        parse_line(line).expect("parses").expect("a fib event")
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn the_notes_lines_parse_field_by_field() {
        let hit = event(V4_HIT);
        assert_eq!(
            hit,
            FibEvent {
                family: Family::V4,
                table: 254,
                err: 0,
                oif: 0,
                iif: 1,
                proto: 17,
                src: ip("0.0.0.0"),
                dst: ip("8.8.8.8"),
                dev: Some("v0".into()),
                gateway: Some(ip("10.0.0.254")),
            }
        );
        let miss = event(V4_MISS);
        assert_eq!(
            (miss.table, miss.err, miss.dev, miss.gateway),
            (255, -11, None, None)
        );
        assert_eq!(event(V4_UNREACHABLE).err, -113);
        let null = event(V6_NULL);
        assert_eq!(null.family, Family::V6);
        assert_eq!((null.table, null.err), (255, -113));
        assert_eq!((null.dev.as_deref(), null.gateway), (Some("lo"), None));
        let v6 = event(V6_HIT);
        assert_eq!(v6.gateway, Some(ip("2001:db8:1::fe")));
        assert_eq!(v6.dst, ip("2001:db8:9::1"));
    }

    #[test]
    fn headers_other_events_and_padding_are_handled() {
        assert_eq!(parse_line("# tracer: nop"), Ok(None));
        assert_eq!(parse_line(""), Ok(None));
        assert_eq!(
            parse_line("  <idle>-0  [001] d.s.. 12.5: sched_switch: prev_comm=x"),
            Ok(None)
        );
        // `table %3u` pads small IPv6 table ids; a task name may contain spaces and colons
        let padded = V6_NULL
            .replace("table 255", "table   1")
            .replace("ip-8244", "a b: c-8244");
        assert_eq!(event(&padded).table, 1);
        // 6.12 prints no flowlabel
        assert_eq!(event(&V6_HIT.replace("flowlabel 0x0 ", "")).err, 0);
        // an IPv4 route through an IPv6 gateway
        let via6 = V4_HIT.replace("10.0.0.254/::", "0.0.0.0/fe80::1");
        assert_eq!(event(&via6).gateway, Some(ip("fe80::1")));
    }

    #[test]
    fn a_changed_format_is_an_error_not_a_silent_miss() {
        let broken = V4_HIT.replace(" ==> ", " => ");
        assert!(parse_line(&broken).is_err());
        let no_err = V4_HIT.replace(" err 0", "");
        assert!(parse_line(&no_err).is_err());
    }

    #[test]
    fn the_source_check_and_reverse_path_are_set_apart() {
        let output = Asked {
            dst: ip("8.8.8.8"),
            src: Some(ip("10.9.9.9")),
            iif: None,
        };
        assert_eq!(output.purpose(&event(SOURCE_CHECK)), Purpose::SourceCheck);
        assert_eq!(output.purpose(&event(V4_HIT)), Purpose::Walk);
        assert_eq!(output.purpose(&event(V6_HIT)), Purpose::Other);
        let input = Asked {
            dst: ip("8.8.8.8"),
            src: Some(ip("10.1.0.9")),
            iif: Some(2),
        };
        assert_eq!(input.purpose(&event(REVERSE)), Purpose::ReversePath);
        // source = destination: the forward device tells the reverse lookup apart
        let same = Asked {
            dst: ip("10.1.0.9"),
            src: Some(ip("10.1.0.9")),
            iif: Some(2),
        };
        assert_eq!(same.purpose(&event(REVERSE)), Purpose::ReversePath);
        let forward = event(&REVERSE.replace("iif 3", "iif 2"));
        assert_eq!(same.purpose(&forward), Purpose::Walk);
        // back out of the arrival device: the lookups after the walk's end are the way back
        let miss = event(
            &SOURCE_CHECK
                .replace("iif 0", "iif 2")
                .replace("10.9.9.9", "10.1.0.9"),
        );
        let hit = forward;
        let events = vec![miss.clone(), hit.clone(), miss, hit];
        let trace = KernelTrace::new(events, &same, &Answer::error(Errno::Einval));
        assert_eq!(
            trace.tables(),
            [(255, TableResult::NotFound), (254, TableResult::Found)]
        );
        assert_eq!(
            trace.other_lookups(),
            [("reverse path", 255, -11), ("reverse path", 254, 0)]
        );
    }

    /// `get 10.11.0.203 from 10.11.0.203 iif e0` (seed 11, configuration 99) as 6.18.44 traced
    /// it: local and 200 miss, main finds the route via e1 and rule 7551
    /// (`lookup main suppress_ifgroup 0`) rejects it, main finds it again (rule 32766).
    const SEED11: [&str; 4] = [
        "ip-2113    [000] ..... 29158.875792: fib_table_lookup: table 255 oif 0 iif 3 proto 17 10.11.0.203/0 -> 10.11.0.203/0 tos 0 scope 0 flags 0 ==> dev - gw 0.0.0.0/:: err -11",
        "ip-2113    [000] ..... 29158.875795: fib_table_lookup: table 200 oif 0 iif 3 proto 17 10.11.0.203/0 -> 10.11.0.203/0 tos 0 scope 0 flags 0 ==> dev - gw 0.0.0.0/:: err -11",
        "ip-2113    [000] ..... 29158.875798: fib_table_lookup: table 254 oif 0 iif 3 proto 17 10.11.0.203/0 -> 10.11.0.203/0 tos 0 scope 0 flags 0 ==> dev e1 gw 0.0.0.0/:: err 0",
        "ip-2113    [000] ..... 29158.875799: fib_table_lookup: table 254 oif 0 iif 3 proto 17 10.11.0.203/0 -> 10.11.0.203/0 tos 0 scope 0 flags 0 ==> dev e1 gw 0.0.0.0/:: err 0",
    ];

    /// A unicast answer of table `table` out of device `dev`.
    fn forwarded(dev: u32, table: u32) -> Answer {
        let mut answer = Answer::of(Outcome::Route(crate::model::RouteKind::Unicast));
        answer.dev = Some(dev);
        answer.table = Some(table);
        answer
    }

    #[test]
    fn a_route_a_suppress_rule_rejects_does_not_end_the_walk() {
        use TableResult::{Found, NotFound};
        let asked = Asked {
            dst: ip("10.11.0.203"),
            src: Some(ip("10.11.0.203")),
            iif: Some(3),
        };
        let walk = [(255, NotFound), (200, NotFound), (254, Found), (254, Found)];
        let seed11: Vec<FibEvent> = SEED11.iter().map(|l| event(l)).collect();
        // forwarding off: no source check ran, so no way back, whatever the lookups look like
        let trace = KernelTrace::new(seed11.clone(), &asked, &Answer::error(Errno::Ehostunreach));
        assert_eq!(trace.tables(), walk);
        assert!(trace.other.is_empty(), "{trace:?}");
        // forwarded out of e1 (5): the way back has iif 5 and is set apart by it
        let mut back: Vec<FibEvent> = seed11.clone();
        for e in &mut back {
            e.iif = 5;
        }
        let events: Vec<FibEvent> = seed11.iter().chain(&back).cloned().collect();
        let trace = KernelTrace::new(events, &asked, &forwarded(5, 254));
        assert_eq!(trace.tables(), walk);
        assert_eq!(trace.other.len(), 4);
        // forwarded back out of e0 (3): the way back is the same flow and repeats the walk
        let mut out_e0 = seed11;
        for e in &mut out_e0 {
            e.dev = e.dev.as_ref().map(|_| "e0".to_owned());
        }
        let twice: Vec<FibEvent> = out_e0.iter().chain(&out_e0).cloned().collect();
        let trace = KernelTrace::new(twice.clone(), &asked, &forwarded(3, 254));
        assert_eq!(trace.tables(), walk);
        assert_eq!(
            trace.other_lookups(),
            [
                ("reverse path", 255, -11),
                ("reverse path", 200, -11),
                ("reverse path", 254, 0),
                ("reverse path", 254, 0)
            ]
        );
        // the same lookups when the source check refused the packet
        let trace = KernelTrace::new(twice, &asked, &Answer::error(Errno::Exdev));
        assert_eq!(trace.tables(), walk);
        assert_eq!(trace.other.len(), 4);
    }

    #[test]
    fn a_way_back_with_another_rule_walk_starts_after_the_answers_table() {
        use TableResult::{Found, NotFound};
        let asked = Asked {
            dst: ip("10.1.0.9"),
            src: Some(ip("10.1.0.9")),
            iif: Some(2),
        };
        let line = |table: u32, err: i32| {
            let dev = if err == 0 { "v1" } else { "-" };
            event(&format!(
                "ip-1  [000] .....  1.0: fib_table_lookup: table {table} oif 0 iif 2 proto 0 \
                 10.1.0.9/0 -> 10.1.0.9/0 tos 0 scope 0 flags 0 ==> dev {dev} gw 0.0.0.0/:: err {err}"
            ))
        };
        // a marked packet: the walk finds table 100 through a fwmark rule, the way back (mark 0
        // without src_valid_mark) goes on to main; then a loose check's lookup with oif 2
        let mut loose = line(254, -11);
        loose.oif = 2;
        let events = vec![
            line(255, -11),
            line(100, 0),
            line(255, -11),
            line(254, 0),
            loose,
        ];
        let trace = KernelTrace::new(events, &asked, &forwarded(2, 100));
        assert_eq!(trace.tables(), [(255, NotFound), (100, Found)]);
        assert_eq!(
            trace.other_lookups(),
            [
                ("reverse path", 255, -11),
                ("reverse path", 254, 0),
                ("reverse path", 254, -11)
            ]
        );
    }

    /// `ip route get 8.8.8.8` as 6.18.44 traced it where tables lost their only route: table 300
    /// (`rule add pref 100 lookup 300`, in a new namespace), and default (lo up, so main exists
    /// through the merged local table). In a new namespace, and for tables no route was ever added
    /// to, nothing at all is traced.
    const EMPTIED_300: &str = "ip-20529   [001] ..... 32409.400931: fib_table_lookup: table 300 oif 0 iif 1 proto 17 0.0.0.0/0 -> 8.8.8.8/0 tos 0 scope 0 flags 0 ==> dev - gw 0.0.0.0/:: err -11";
    const MAIN_NOTHING: &str = "ip-20541   [001] ..... 32409.458157: fib_table_lookup: table 254 oif 0 iif 1 proto 17 0.0.0.0/0 -> 8.8.8.8/0 tos 0 scope 0 flags 0 ==> dev - gw 0.0.0.0/:: err -11";
    const EMPTIED_DEFAULT: &str = "ip-20541   [001] ..... 32409.458158: fib_table_lookup: table 253 oif 0 iif 1 proto 17 0.0.0.0/0 -> 8.8.8.8/0 tos 0 scope 0 flags 0 ==> dev - gw 0.0.0.0/:: err -11";

    #[test]
    fn tables_whose_existence_no_dump_shows_are_set_apart_from_the_walk() {
        use crate::lookup::{Query, explain};
        use crate::model::{Rule, State, fixtures};
        use crate::verify::compare_trace;
        use TableResult::NotFound;
        let asked = Asked {
            dst: ip("8.8.8.8"),
            src: None,
            iif: None,
        };
        let query = Query::parse(&["8.8.8.8"]).expect("parses");
        let walk = |state: &State| explain(state, &query).table_lookups();
        let compare = |state: &State, lines: &[&str]| {
            let events = lines.iter().map(|l| event(l)).collect();
            let trace = KernelTrace::new(events, &asked, &Answer::error(Errno::Enetunreach));
            let known = crate::verify::known_tables(state, Family::V4);
            compare_trace(Family::V4, &walk(state), &trace.tables(), &known)
        };
        // a new namespace: the merged walk looks up main, which the kernel does not have
        let mut fresh = fixtures::fresh();
        assert_eq!(walk(&fresh), [(254, NotFound)]);
        let c = compare(&fresh, &[]);
        assert!(c.differences.is_empty(), "{c:?}");
        assert_eq!((c.absent_empty, c.unseen_empty), (vec![254], vec![]));
        // a rule to table 300: no table exists, neither side looks one up...
        fresh.rules.insert(1, Rule::lookup(Family::V4, 100, 300));
        fresh.ipv4_tables_merged = Some(false);
        assert_eq!(walk(&fresh), []);
        assert_eq!(
            compare(&fresh, &[]),
            crate::verify::TraceComparison::default()
        );
        // ...until a route was added to 300 and deleted: the kernel looks the empty table up
        let c = compare(&fresh, &[EMPTIED_300]);
        assert!(c.differences.is_empty(), "{c:?}");
        assert_eq!((c.absent_empty, c.unseen_empty), (vec![], vec![300]));
        // lo up (main exists, without routes) and default emptied: main is compared, default set
        // apart
        let lo = fixtures::loopback();
        assert_eq!(walk(&lo), [(254, NotFound)]);
        let c = compare(&lo, &[MAIN_NOTHING, EMPTIED_DEFAULT]);
        assert!(c.differences.is_empty(), "{c:?}");
        assert_eq!((c.absent_empty, c.unseen_empty), (vec![], vec![253]));
        // local has routes there, so main exists: a trace without it is a disagreement
        assert_eq!(compare(&lo, &[EMPTIED_DEFAULT]).differences.len(), 1);
    }

    #[test]
    fn errors_map_to_table_results() {
        let asked = Asked {
            dst: ip("2001:db8:9::1"),
            src: None,
            iif: None,
        };
        let unreachable = Answer::error(Errno::Ehostunreach);
        let netunreach = Answer::error(Errno::Enetunreach);
        // a miss in IPv6 prints as -113 on lo and the walk goes on
        let trace = KernelTrace::new(vec![event(V6_NULL), event(V6_HIT)], &asked, &netunreach);
        assert_eq!(
            trace.tables(),
            [(255, TableResult::NotFound), (254, TableResult::Found)]
        );
        // the same line ending the walk: a miss (ENETUNREACH) or an unreachable route
        let last = KernelTrace::new(vec![event(V6_NULL)], &asked, &netunreach);
        assert_eq!(last.tables(), [(255, TableResult::NotFound)]);
        let last = KernelTrace::new(vec![event(V6_NULL)], &asked, &unreachable);
        assert_eq!(
            last.tables(),
            [(255, TableResult::Failed(Errno::Ehostunreach))]
        );
        let throw = event(&V6_NULL.replace("err -113", "err -11"));
        let prohibit = event(&V6_NULL.replace("err -113", "err -13"));
        let trace = KernelTrace::new(vec![throw, prohibit], &asked, &unreachable);
        assert_eq!(
            trace.tables(),
            [
                (255, TableResult::Threw),
                (255, TableResult::Failed(Errno::Eacces))
            ]
        );
        let v4 = Asked {
            dst: ip("8.8.8.8"),
            src: None,
            iif: None,
        };
        let trace = KernelTrace::new(
            vec![event(V4_MISS), event(V4_UNREACHABLE), event(V4_HIT)],
            &v4,
            &unreachable,
        );
        assert_eq!(trace.walk.len(), 2, "20.1.1.1 is another destination");
        assert_eq!(
            trace.tables(),
            [(255, TableResult::NotFound), (254, TableResult::Found)]
        );
        assert_eq!(trace.other_lookups(), [("other", 254, -113)]);
    }
}
