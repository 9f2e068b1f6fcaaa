//! The one matching every kind shares: objects with the same identity key are a multiset.

use super::{Changed, FieldChange, Section};

/// Matches the keyed objects of both states. Within one key, an object of `a` and one of `b`
/// whose attributes are all equal cancel out; the others pair up in order as changed, and what
/// is left over is removed (only in `a`) or added (only in `b`). So two identical rules against
/// one are one removed, and a key that holds different objects on each side is changed.
pub(super) fn pair<K: Ord, T: Copy>(
    mut before: Vec<(K, T)>,
    mut after: Vec<(K, T)>,
    compare: impl Fn(T, T) -> Vec<FieldChange>,
) -> Section<T> {
    // stable: objects of one key keep the order the state lists them in
    before.sort_by(|x, y| x.0.cmp(&y.0));
    after.sort_by(|x, y| x.0.cmp(&y.0));
    let mut section = Section::default();
    let (mut i, mut j) = (0, 0);
    while i < before.len() || j < after.len() {
        let (a_next, b_next) = (before.get(i).map(|x| &x.0), after.get(j).map(|y| &y.0));
        let (from_a, from_b) = match (a_next, b_next) {
            (Some(x), Some(y)) => (x <= y, y <= x),
            (a, _) => (a.is_some(), a.is_none()),
        };
        let a_end = if from_a { run_end(&before, i) } else { i };
        let b_end = if from_b { run_end(&after, j) } else { j };
        match_group(&before[i..a_end], &after[j..b_end], &compare, &mut section);
        (i, j) = (a_end, b_end);
    }
    section
}

/// The end of the run of equal keys starting at `start`.
fn run_end<K: Ord, T>(items: &[(K, T)], start: usize) -> usize {
    let key = &items[start].0;
    start + items[start..].iter().take_while(|(k, _)| k == key).count()
}

/// Matches the objects of one key (either side may be empty).
fn match_group<K, T: Copy>(
    a: &[(K, T)],
    b: &[(K, T)],
    compare: &impl Fn(T, T) -> Vec<FieldChange>,
    section: &mut Section<T>,
) {
    if let ([(_, x)], [(_, y)]) = (a, b) {
        // the usual case, one object a side: compare once
        let fields = compare(*x, *y);
        if !fields.is_empty() {
            section.changed.push(Changed {
                before: *x,
                after: *y,
                fields,
            });
        }
        return;
    }
    let mut used = vec![false; a.len()];
    let mut unmatched = Vec::new();
    for &(_, y) in b {
        let twin = (0..a.len()).find(|&n| !used[n] && compare(a[n].1, y).is_empty());
        match twin {
            Some(n) => used[n] = true,
            None => unmatched.push(y),
        }
    }
    let mut left = a
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|((_, x), _)| *x);
    for y in unmatched {
        match left.next() {
            Some(x) => section.changed.push(Changed {
                before: x,
                after: y,
                fields: compare(x, y),
            }),
            None => section.added.push(y),
        }
    }
    section.removed.extend(left);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Value;

    /// Items `(key, value)`: equal values are equal attributes.
    fn run(a: &[(u8, u8)], b: &[(u8, u8)]) -> Section<u8> {
        let keyed = |v: &[(u8, u8)]| v.iter().map(|&(k, x)| (k, x)).collect::<Vec<_>>();
        pair(keyed(a), keyed(b), |x, y| {
            if x == y {
                Vec::new()
            } else {
                vec![FieldChange {
                    field: "v".into(),
                    before: Value::Number(x.into()),
                    after: Value::Number(y.into()),
                }]
            }
        })
    }

    #[test]
    fn keys_match_as_multisets() {
        let s = run(
            &[(1, 10), (2, 20), (2, 20), (3, 30)],
            &[(2, 20), (3, 31), (4, 40)],
        );
        assert_eq!(
            s.removed,
            [10, 20],
            "key 1, and one of the two twins of key 2"
        );
        assert_eq!(s.added, [40]);
        assert_eq!(s.changed.len(), 1);
        assert_eq!((s.changed[0].before, s.changed[0].after), (30, 31));
    }

    #[test]
    fn equal_objects_cancel_before_the_rest_pair_up() {
        // key 5 holds 1 and 2 before, 2 and 3 after: 2 is unchanged, 1 became 3
        let s = run(&[(5, 1), (5, 2)], &[(5, 2), (5, 3)]);
        assert!(s.added.is_empty() && s.removed.is_empty());
        assert_eq!((s.changed[0].before, s.changed[0].after), (1, 3));
        let same = run(&[(5, 2), (5, 1)], &[(5, 1), (5, 2)]);
        assert!(same.is_empty(), "order within a key does not matter");
    }
}
