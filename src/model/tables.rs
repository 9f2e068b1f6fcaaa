//! Routing table names, as `/etc/iproute2/rt_tables` gives them.
//!
//! Names come from files (`rt_tables`, snapshots) and serve display only, so they are kept escaped
//! (`escape`, which changes an escaped name no further): every text that names a table is safe.

use std::collections::BTreeMap;

use super::escape;

/// Names of routing tables by id; the three reserved ones are always known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    names: BTreeMap<u32, String>,
}

impl Default for TableNames {
    fn default() -> Self {
        let names = [
            (0, "unspec"),
            (253, "default"),
            (254, "main"),
            (255, "local"),
        ]
        .into_iter()
        .map(|(id, name)| (id, name.to_owned()))
        .collect();
        Self { names }
    }
}

impl TableNames {
    /// Adds the `id name` lines of an `rt_tables` file (comments and bad lines are skipped).
    pub fn add_file_text(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            let (Some(id), Some(name), None) = (words.next(), words.next(), words.next()) else {
                continue;
            };
            let id = id
                .strip_prefix("0x")
                .map_or_else(|| id.parse().ok(), |hex| u32::from_str_radix(hex, 16).ok());
            if let Some(id) = id {
                self.names.insert(id, escape(name).into_owned());
            }
        }
    }

    /// Names a table, unless the name is just its number.
    pub fn insert(&mut self, id: u32, name: &str) {
        if name != id.to_string() {
            self.names.insert(id, escape(name).into_owned());
        }
    }

    /// Every configured (id, name) pair.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        self.names.iter().map(|(id, n)| (*id, n.as_str()))
    }

    /// The name of a table, or its number as text.
    pub fn name(&self, id: u32) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The name of a table, or its number as text, borrowed when it is configured.
    pub fn name_ref(&self, id: u32) -> std::borrow::Cow<'_, str> {
        self.names
            .get(&id)
            .map_or_else(|| id.to_string().into(), |n| n.as_str().into())
    }

    /// The name of a table, only if one is configured.
    pub fn known_name(&self, id: u32) -> Option<&str> {
        self.names.get(&id).map(String::as_str)
    }

    /// The id of a table given by name or number.
    pub fn id(&self, name: &str) -> Option<u32> {
        name.parse().ok().or_else(|| {
            self.names
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(id, _)| *id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_names_and_skips_junk() {
        let mut names = TableNames::default();
        names.add_file_text("# comment\n100 isp1\n0x65 isp2 # trailing\nbad\n1 two words here\n");
        assert_eq!(names.name(100), "isp1");
        assert_eq!(names.name(101), "isp2");
        assert_eq!(names.name(254), "main");
        assert_eq!(names.name(7), "7");
        assert_eq!(names.id("isp2"), Some(101));
        assert_eq!(names.id("42"), Some(42));
        assert_eq!(names.id("nope"), None);
        names.add_file_text("7 \x1b[31mred\n");
        names.insert(8, "\u{202e}evil");
        assert_eq!(names.name(7), "\\x1b[31mred", "kept escaped");
        assert_eq!(names.name(8), "\\u{202e}evil");
        names.insert(7, &names.name(7));
        assert_eq!(names.name(7), "\\x1b[31mred", "read back unchanged");
    }
}
