//! The status line: where we are, how much there is, what just happened, and the keys of the
//! current mode as the keymap binds them. It never wraps: the notice is cut to fit, then the
//! counts and the hints are left out from the end.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::action::Action;
use crate::app::{App, Mode, Pane};
use crate::keymap::Section;
use crate::model::escape;
use crate::net::Target;

/// A hint: the keys of some actions of a section, and a word for what they do.
type Hint = (Section, &'static [Action], &'static str);

/// The hints of each situation, most useful first.
const NORMAL: [Hint; 7] = [
    (Section::Normal, &[Action::Help], "help"),
    (Section::Normal, &[Action::RouteGet], "get"),
    (Section::Normal, &[Action::Filter], "filter"),
    (Section::Normal, &[Action::Zoom], "zoom"),
    (Section::Normal, &[Action::Copy], "copy"),
    (Section::Normal, &[Action::FocusNext], "focus"),
    (Section::Normal, &[Action::Quit], "quit"),
];
const ZOOMED: [Hint; 6] = [
    (Section::Normal, &[Action::Zoom], "back"),
    (Section::Normal, &[Action::Copy], "copy"),
    (Section::Normal, &[Action::CopyCommand], "copy ip"),
    (Section::Normal, &[Action::FocusNext], "next pane"),
    (Section::Normal, &[Action::Help], "help"),
    (Section::Normal, &[Action::Quit], "quit"),
];
const EXPLAINING: [Hint; 5] = [
    (Section::View, &[Action::Up, Action::Down], "scroll"),
    (Section::View, &[Action::Close], "back"),
    (Section::Normal, &[Action::Copy], "copy"),
    (Section::Normal, &[Action::CopyCommand], "copy ip"),
    (Section::Normal, &[Action::Help], "help"),
];
const FILTER: [Hint; 2] = [
    (Section::Filter, &[Action::Accept], "apply"),
    (Section::Filter, &[Action::Close], "cancel"),
];
const PROMPT: [Hint; 4] = [
    (Section::Prompt, &[Action::Accept], "watch"),
    (Section::Prompt, &[Action::Complete], "complete"),
    (
        Section::Prompt,
        &[Action::HistoryPrev, Action::HistoryNext],
        "history",
    ),
    (Section::Prompt, &[Action::Close], "cancel"),
];
const PICKER: [Hint; 3] = [
    (Section::Picker, &[Action::Up, Action::Down], "move"),
    (Section::Picker, &[Action::Accept], "choose"),
    (Section::Picker, &[Action::Close], "close"),
];
const VIEW: [Hint; 2] = [
    (Section::View, &[Action::Up, Action::Down], "scroll"),
    (Section::View, &[Action::Close], "close"),
];

/// Draws one line at the bottom.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    let place = if app.is_snapshot() {
        "snapshot (read-only)".to_owned()
    } else {
        let namespace = app.namespace();
        match namespace.target() {
            Target::Current => escape(namespace.label()).into_owned(),
            _ => format!("netns {}", escape(namespace.label())),
        }
    };
    let counts = match app.loading() {
        // the first state is still being read: how far the dump has got
        Some((v4, v6)) => format!(" loading: {v4} IPv4, {v6} IPv6 routes so far"),
        None => format!(
            " {} links · {} rules · {} routes",
            app.state().links.len(),
            app.state().rules.len(),
            app.state().route_count()
        ),
    };
    let keys = app.keymap();
    let mut marks: Vec<Span> = Vec::new();
    if app.resyncs() > 0 || app.parse_errors() > 0 {
        marks.push(Span::styled(
            format!(
                " · resyncs {} · unparsed {}",
                app.resyncs(),
                app.parse_errors()
            ),
            theme.warn,
        ));
    }
    let (errors, warnings, _) = app.finding_counts();
    if errors + warnings > 0 {
        let key = escape(&keys.label(Action::Findings).unwrap_or_default()).into_owned();
        marks.push(Span::styled(
            format!(" · {key} {errors} error, {warnings} warning"),
            if errors > 0 { theme.bad } else { theme.warn },
        ));
    }
    if !app.mouse_capture() {
        let key = escape(&keys.shown(Section::Normal, Action::Mouse)).into_owned();
        marks.push(Span::styled(format!(" · mouse off ({key})"), theme.warn));
    }
    if let Mode::Filter { pane, input } = app.mode() {
        marks.push(Span::styled(
            format!(
                " · filter {}: /{}_",
                pane_name(*pane),
                escape(input.value())
            ),
            theme.key,
        ));
    }
    let hints: Vec<String> = hints(app)
        .iter()
        .filter_map(|(section, actions, word)| {
            let labels: Vec<String> = actions
                .iter()
                .filter_map(|a| keys.label_in(*section, *a))
                .collect();
            let joint = if labels.iter().all(|l| l.chars().count() == 1) {
                ""
            } else {
                "/"
            };
            (!labels.is_empty())
                .then(|| escape(&format!("  {} {word}", labels.join(joint))).into_owned())
        })
        .collect();
    let used = chars(&place) + marks.iter().map(|s| chars(&s.content)).sum::<usize>();
    let first_hint = hints.first().map_or(0, |h| chars(h));
    let notice = app.notice().map(|n| {
        let room = width.saturating_sub(used + first_hint);
        cut(&format!(" · {}", escape(n)), room)
    });
    let mut used = used + notice.as_deref().map_or(0, chars);
    let mut spans = vec![Span::styled(place, theme.title)];
    if used + chars(&counts) + first_hint <= width {
        used += chars(&counts);
        spans.push(Span::raw(counts));
    }
    spans.extend(marks);
    if let Some(notice) = notice {
        spans.push(Span::styled(notice, theme.warn));
    }
    for hint in hints {
        if used + chars(&hint) > width {
            break;
        }
        used += chars(&hint);
        spans.push(Span::styled(hint, theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The hints for what the keyboard talks to now.
fn hints(app: &App) -> &'static [Hint] {
    match app.mode() {
        Mode::Normal if app.is_zoomed() && app.focus() == Pane::Watch && app.pinned().is_some() => {
            &EXPLAINING
        }
        Mode::Normal if app.is_zoomed() => &ZOOMED,
        Mode::Normal => &NORMAL,
        Mode::Filter { .. } => &FILTER,
        Mode::Prompt(_) => &PROMPT,
        Mode::Findings { .. } | Mode::Namespaces { .. } => &PICKER,
        Mode::Help { .. } => &VIEW,
        // the question on leaving a lesson says its own keys
        Mode::LeaveLesson => &[],
    }
}

/// A pane's name as its title says it.
fn pane_name(pane: Pane) -> &'static str {
    match pane {
        Pane::Interfaces => "interfaces",
        Pane::Rules => "rules",
        Pane::Routes => "routes",
        Pane::Watch => "watch",
        Pane::Events => "events",
    }
}

/// The length of `text` in characters (the screen's columns for what the status line shows).
fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `width` characters, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if chars(text) <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        out.push('…');
    }
    out
}
