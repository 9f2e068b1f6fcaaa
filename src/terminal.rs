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

/// Leaves mouse capture, raw mode and the alternate screen and shows the cursor, each step
/// whatever became of the one before; safe to call more than once.
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
/// next draw repaints every cell; harmless when the terminal was never given back.
pub fn resume(terminal: &mut DefaultTerminal) -> std::io::Result<()> {
    enable_raw_mode()?;
    crossterm::execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        Clear(ClearType::All)
    )?;
    // not `Terminal::clear`, which asks the terminal where its cursor is and waits for the
    // answer that the key reader takes: between draws the current buffer is blank, and this
    // blanks the previous one too, so the next draw writes every cell on the cleared screen
    terminal.swap_buffers();
    Ok(())
}

/// Restores the terminal when dropped, so every exit path (including `?`) gives it back.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}
