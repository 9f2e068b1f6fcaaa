//! Taking over the terminal and always giving it back: on quit, error, panic and signals, and
//! for the time the program is suspended (SIGTSTP … SIGCONT).

use std::io::stdout;

use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
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

/// Leaves mouse capture (whether it is on or off now), raw mode and the alternate screen and
/// shows the cursor, each step whatever became of the one before; safe to call more than once.
pub fn restore() {
    // errors are ignored on purpose: there is nothing better to do while giving the terminal back
    let _ = crossterm::execute!(stdout(), DisableMouseCapture);
    let _ = disable_raw_mode();
    let _ = crossterm::execute!(stdout(), LeaveAlternateScreen, Show);
}

/// Gives the terminal back and stops the process (SIGSTOP, which cannot be caught), as SIGTSTP
/// would have without a handler; returns once the process is continued.
pub fn suspend() {
    restore();
    let _ = nix::sys::signal::kill(nix::unistd::getpid(), nix::sys::signal::Signal::SIGSTOP);
}

/// Takes the terminal again after the process was continued (SIGCONT) and clears it, so the
/// next draw repaints every cell; mouse capture comes back only if it was on (`mouse`).
/// Harmless when the terminal was never given back.
pub fn resume(terminal: &mut DefaultTerminal, mouse: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    crossterm::execute!(stdout(), EnterAlternateScreen, Clear(ClearType::All))?;
    mouse_capture(mouse)?;
    // not `Terminal::clear`, which asks the terminal where its cursor is and waits for the
    // answer that the key reader takes: between draws the current buffer is blank, and this
    // blanks the previous one too, so the next draw writes every cell on the cleared screen
    terminal.swap_buffers();
    Ok(())
}

/// Turns the terminal's mouse capture on or off (off: the terminal selects text itself).
pub fn mouse_capture(on: bool) -> std::io::Result<()> {
    if on {
        crossterm::execute!(stdout(), EnableMouseCapture)
    } else {
        crossterm::execute!(stdout(), DisableMouseCapture)
    }
}

/// `text` as an OSC 52 sequence: the terminal puts it on the system clipboard (also over SSH,
/// and in tmux with `set-clipboard on`).
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

/// Writes `text` to the clipboard through the terminal (OSC 52), at once.
pub fn copy(out: &mut impl std::io::Write, text: &str) -> std::io::Result<()> {
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

/// Restores the terminal when dropped, so every exit path (including `?`) gives it back.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_is_the_base64_text_between_esc_and_bel() {
        assert_eq!(
            super::osc52("ip route get 8.8.8.8"),
            "\x1b]52;c;aXAgcm91dGUgZ2V0IDguOC44Ljg=\x07"
        );
    }
}
