//! What the full-screen views show, row by row at a given width: the help (generated from the
//! keymap) and a watched flow's whole explanation. `update` counts the same rows to stop
//! scrolling at the end; the UI draws them.

use super::{App, Pane, Watched, Zoom};
use crate::action::Action;
use crate::keymap::Keymap;
use crate::model::escape;
use crate::report::explain::{KernelCheck, TraceCheck, verdict_line, write_text};

/// The widest the help overlay gets.
pub const HELP_WIDTH: u16 = 100;

/// The width of the help's key column.
const KEY_COLUMN: usize = 14;

/// Where explanation lines continue when they wrap: after the `Rule     ` labels.
const EXPLAIN_INDENT: usize = 9;

/// What a row is, so the UI can style it; the words say it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Plain text (in the help: an action's keys and description).
    Text,
    /// A heading: a help section, the history.
    Heading,
    /// Background information.
    Muted,
    /// Something to notice: a change, a kernel that did not answer.
    Warning,
    /// Something wrong: a disagreement with the kernel.
    Bad,
}

/// One row of a view: keys (the help's first column; empty elsewhere) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The keys of the help's first column (empty on other rows).
    pub keys: String,
    /// The text, at most the view's width.
    pub text: String,
    /// What the row is.
    pub tone: Tone,
}

impl Row {
    /// A row of text without keys.
    fn text(tone: Tone, text: String) -> Self {
        Self {
            keys: String::new(),
            text,
            tone,
        }
    }
}

/// The help overlay's size on a `width` × `height` screen: as wide as fits up to
/// `HELP_WIDTH`, as tall as the screen.
pub fn help_size(width: u16, height: u16) -> (u16, u16) {
    (width.min(HELP_WIDTH), height)
}

/// The inside (without borders) of the zoomed pane on a `width` × `height` screen: all of it but
/// the status line.
pub fn zoom_inside(width: u16, height: u16) -> (u16, u16) {
    (width.saturating_sub(2), height.saturating_sub(3))
}

/// `text` broken into rows of at most `width` characters at spaces (a word longer than a row
/// is cut), the rows after the first indented by `indent` (none when that would take half).
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(1);
    let indent = if indent * 2 > width { 0 } else { indent };
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut len = 0;
    for token in tokens(text) {
        let count = token.chars().count();
        if len + count <= width {
            row.push_str(token);
            len += count;
            continue;
        }
        if len > 0 {
            rows.push(std::mem::replace(&mut row, " ".repeat(indent)));
            len = indent;
        }
        // a new row starts with the word, not the spaces before it
        let word = if len == indent {
            token.trim_start()
        } else {
            token
        };
        for c in word.chars() {
            if len == width {
                rows.push(std::mem::replace(&mut row, " ".repeat(indent)));
                len = indent;
            }
            row.push(c);
            len += 1;
        }
    }
    if len > 0 || rows.is_empty() {
        rows.push(row);
    }
    rows
}

/// The words of `text`, each with the spaces before it.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        let word = rest[spaces..].find(' ').map_or(rest.len(), |i| spaces + i);
        let (token, after) = rest.split_at(word);
        rest = after;
        Some(token)
    })
}

/// The width of the help's key column in a help `width` columns wide.
pub fn help_key_column(width: usize) -> usize {
    KEY_COLUMN.min(width / 3)
}

/// The help at `width` columns: a heading per section (with the keys that open it), then each
/// action's keys and its description, wrapped beside the keys.
pub fn help_rows(keymap: &Keymap, width: usize) -> Vec<Row> {
    let column = help_key_column(width);
    let text_width = width.saturating_sub(column).max(1);
    let mut rows = Vec::new();
    for section in keymap.help() {
        let openers: Vec<String> = section
            .section
            .opened_by()
            .iter()
            .filter_map(|a| keymap.label(*a))
            .collect();
        let heading = if openers.is_empty() {
            section.section.heading().to_owned()
        } else {
            format!("{} ({})", section.section.heading(), openers.join(", "))
        };
        for line in wrap(&heading, width, 2) {
            rows.push(Row::text(Tone::Heading, line));
        }
        for (keys, what) in section.rows {
            // both come from a keymap file the user may edit
            let keys = escape(&keys).into_owned();
            let mut lines = wrap(&escape(what), text_width, 0).into_iter();
            if keys.chars().count() >= column {
                // keys too many for the column: on rows of their own, above the description
                rows.extend(wrap(&keys, width, 0).into_iter().map(|keys| Row {
                    keys,
                    text: String::new(),
                    tone: Tone::Text,
                }));
            } else {
                rows.push(Row {
                    keys,
                    text: lines.next().unwrap_or_default(),
                    tone: Tone::Text,
                });
            }
            rows.extend(lines.map(|text| Row::text(Tone::Text, text)));
        }
    }
    let footer = "the defaults are assets/keymap.toml; yours go in \
                  $XDG_CONFIG_HOME/routescope/keymap.toml (~/.config/routescope/keymap.toml)";
    for line in wrap(footer, width, 0) {
        rows.push(Row::text(Tone::Muted, line));
    }
    rows
}

impl App {
    /// The selected watched flow's whole explanation as `routescope get` prints it (every rule
    /// passed over), the kernel's answer, and every change with its cause, newest first.
    pub fn explanation(&self, flow: &Watched) -> Vec<(Tone, String)> {
        let state = &self.state;
        let differences = flow
            .kernel
            .as_ref()
            .map(|k| crate::verify::differences(state, flow.verdict(), k))
            .unwrap_or_default();
        let kernel = flow.kernel.as_ref().map(|answer| KernelCheck {
            answer,
            differences: &differences,
        });
        let trace = TraceCheck::Unavailable("the fib trace is shown by `routescope get`");
        let mut text = Vec::new();
        // writing to memory cannot fail
        let _ = write_text(&mut text, state, &flow.explanation, kernel.as_ref(), &trace);
        let mut lines: Vec<(Tone, String)> = String::from_utf8_lossy(&text)
            .lines()
            .map(|l| {
                let tone = if l.contains("DISAGREE") {
                    Tone::Bad
                } else {
                    Tone::Text
                };
                (tone, l.to_owned())
            })
            .collect();
        if let Some(why) = flow.kernel_error.as_deref().filter(|_| kernel.is_none()) {
            lines.push((Tone::Warning, format!("Kernel   {}", escape(why))));
        }
        if self.snapshot {
            lines.push((
                Tone::Muted,
                "Kernel   not asked (explaining a snapshot)".into(),
            ));
        }
        lines.push((Tone::Text, String::new()));
        lines.push((
            Tone::Heading,
            format!("History  {} change(s) of this answer", flow.history.len()),
        ));
        for change in flow.history.iter().rev() {
            let cause = change.cause.as_ref().map_or_else(
                || "a change of the state".to_owned(),
                crate::watch::Cause::describe,
            );
            lines.push((
                Tone::Warning,
                escape(&format!("{}  after {cause}", change.time)).into_owned(),
            ));
            for (word, v) in [("was", &change.before), ("now", &change.after)] {
                let text = format!("    {word} {}", verdict_line(state, v));
                lines.push((Tone::Text, escape(&text).into_owned()));
            }
        }
        lines
    }

    /// The zoomed explanation of the selected flow in rows of `width` columns.
    pub fn explanation_rows(&self, width: usize) -> Vec<Row> {
        let Some(flow) = self.pinned() else {
            return Vec::new();
        };
        self.explanation(flow)
            .into_iter()
            .flat_map(|(tone, line)| {
                wrap(&line, width, EXPLAIN_INDENT)
                    .into_iter()
                    .map(move |text| Row::text(tone, text))
            })
            .collect()
    }

    /// How far the zoomed explanation is scrolled (0 when nothing is zoomed).
    pub fn zoom_scroll(&self) -> usize {
        match self.zoom {
            Zoom::On { scroll } if self.focus == Pane::Watch => scroll,
            _ => 0,
        }
    }

    /// The help's rows and how many of them show at once, on the screen as last told.
    pub(super) fn help_rows_now(&self) -> (usize, usize) {
        let (width, height) = help_size(self.screen.0, self.screen.1);
        let rows = help_rows(&self.keymap, usize::from(width.saturating_sub(2)));
        (rows.len(), usize::from(height.saturating_sub(2)))
    }

    /// Scrolls the zoomed explanation by a view action; close goes back to the panes.
    pub(super) fn scroll_explanation(&mut self, action: Action) {
        let Zoom::On { scroll } = self.zoom else {
            return;
        };
        if action == Action::Close {
            self.zoom = Zoom::Off;
            return;
        }
        let (width, height) = zoom_inside(self.screen.0, self.screen.1);
        let rows = self.explanation_rows(usize::from(width)).len();
        let scroll = scrolled(scroll, action, (rows, usize::from(height)));
        self.zoom = Zoom::On { scroll };
    }
}

/// `scroll` moved by a view action over `rows` rows of which `visible` show, never past the
/// point where the last row is at the bottom.
pub(super) fn scrolled(scroll: usize, action: Action, (rows, visible): (usize, usize)) -> usize {
    let page = visible.saturating_sub(1).max(1);
    let last = rows.saturating_sub(visible);
    let moved = match action {
        Action::Up => scroll.saturating_sub(1),
        Action::Down => scroll.saturating_add(1),
        Action::PageUp => scroll.saturating_sub(page),
        Action::PageDown => scroll.saturating_add(page),
        Action::Top => 0,
        Action::Bottom => last,
        _ => scroll,
    };
    moved.min(last)
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn rows_break_at_spaces_and_continue_indented() {
        assert_eq!(wrap("one two three", 7, 0), ["one two", "three"]);
        assert_eq!(
            wrap("Rule     0: from all lookup local", 20, 9),
            ["Rule     0: from all", "         lookup", "         local"]
        );
        assert_eq!(wrap("abcdefgh", 3, 0), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 10, 0), [""]);
        assert_eq!(wrap("    was x", 20, 0), ["    was x"]);
    }

    #[test]
    fn help_rows_fit_their_width_however_many_keys_an_action_has() {
        let many: Vec<String> = ('a'..='z').map(|c| format!("\"ctrl-{c}\"")).collect();
        let text = format!("[view]\nclose = [{}]", many.join(", "));
        let (keymap, _) = crate::keymap::Keymap::with_user(&text).expect("a keymap");
        for width in [20, 40, 78] {
            for row in super::help_rows(&keymap, width) {
                // an action's row is drawn as its keys padded to the column, then the text
                let keys = match row.tone {
                    super::Tone::Text => {
                        row.keys.chars().count().max(super::help_key_column(width))
                    }
                    _ => 0,
                };
                let used = if row.text.is_empty() {
                    row.keys.chars().count()
                } else {
                    keys + row.text.chars().count()
                };
                assert!(used <= width, "{width}: {row:?}");
            }
        }
    }
}
