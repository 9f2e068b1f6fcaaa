//! Comparing an explanation's verdict with the kernel's own answer.

use crate::lookup::{Confidence, Verdict};
use crate::model::{RouteKind, State};
use crate::net::KernelAnswer;

/// Where our verdict and the kernel's answer differ (empty: they agree).
pub fn differences(state: &State, ours: &Verdict, kernel: &KernelAnswer) -> Vec<String> {
    let mut diffs = Vec::new();
    match (ours.error, kernel.error.as_deref()) {
        (Some(a), Some(b)) if a == b => return diffs,
        (Some(a), Some(b)) => return vec![format!("error: ours {a}, kernel {b}")],
        (Some(a), None) => return vec![format!("ours fails with {a}, the kernel routes it")],
        (None, Some(b)) => return vec![format!("ours routes it, the kernel fails with {b}")],
        (None, None) => {}
    }
    if ours.kind != kernel.kind {
        let name = |k: Option<RouteKind>| k.map_or_else(|| "?".into(), RouteKind::name);
        diffs.push(format!(
            "type: ours {}, kernel {}",
            name(ours.kind),
            name(kernel.kind)
        ));
    }
    if let (Some(a), Some(b)) = (ours.table, kernel.table.filter(|t| *t != 0)) {
        // while local and main are merged the kernel reports local results as main (spec §2.6)
        let merged_local = a == 255 && b == 254 && state.ipv4_tables_merged == Some(true);
        if a != b && !merged_local {
            diffs.push(format!(
                "table: ours {}, kernel {}",
                state.table_names.name(a),
                state.table_names.name(b)
            ));
        }
    }
    let approximate = ours.confidence == Confidence::Approximate && !ours.candidates.is_empty();
    if approximate {
        let listed = ours.candidates.iter().any(|(dev, gw, src)| {
            Some(*dev) == kernel.dev
                && *gw == kernel.gateway
                && (src.is_none() || *src == kernel.src)
        });
        if !listed {
            diffs.push("the kernel's choice is not among the listed candidates".into());
        }
        return diffs;
    }
    if ours.dev != kernel.dev {
        let name = |d: Option<u32>| d.map_or_else(|| "none".into(), |d| state.link_name(d));
        diffs.push(format!(
            "dev: ours {}, kernel {}",
            name(ours.dev),
            name(kernel.dev)
        ));
    }
    if ours.gateway != kernel.gateway {
        diffs.push(format!(
            "gateway: ours {:?}, kernel {:?}",
            ours.gateway, kernel.gateway
        ));
    }
    if ours.src != kernel.src {
        diffs.push(format!("src: ours {:?}, kernel {:?}", ours.src, kernel.src));
    }
    diffs
}
