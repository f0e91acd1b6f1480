//! `npio completions SHELL` and `npio man`: the shell completion script (clap_complete) and
//! the man page (clap_mangen), generated from the command-line definition and printed to
//! standard output.

use std::io::Write;

use clap::CommandFactory;

use crate::{Cli, CliError};

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<bool, CliError> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "npio", &mut out);
    print(&out)
}

/// Prints the man page (roff).
pub fn man() -> Result<bool, CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CliError::data(format!("cannot render the man page: {e}")))?;
    print(&out)
}

fn print(bytes: &[u8]) -> Result<bool, CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::io(std::path::Path::new("<stdout>"), e))?;
    Ok(true)
}
