//! Taking over the terminal and always giving it back: on quit, error, panic and signals.

use std::io::stdout;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::DefaultTerminal;

/// Enters raw mode and the alternate screen with mouse capture; a panic restores first.
pub fn init() -> std::io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    crossterm::execute!(stdout(), EnableMouseCapture)?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    Ok(terminal)
}

/// Leaves the alternate screen, raw mode and mouse capture; safe to call more than once.
pub fn restore() {
    // errors are ignored on purpose: there is nothing better to do while giving the terminal back
    let _ = crossterm::execute!(stdout(), DisableMouseCapture);
    let _ = ratatui::try_restore();
}

/// Restores the terminal when dropped, so every exit path (including `?`) gives it back.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}
