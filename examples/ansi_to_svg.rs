//! Turns a terminal capture with ANSI colours (`tmux capture-pane -e -p`) into an SVG picture.
//!
//! Used by `screenshots/make.sh`; reads standard input, writes standard output.

use std::io::{Read, Write};

fn main() -> std::io::Result<()> {
    let mut ansi = String::new();
    std::io::stdin().read_to_string(&mut ansi)?;
    let svg = anstyle_svg::Term::new().render_svg(&ansi);
    std::io::stdout().write_all(svg.as_bytes())
}
