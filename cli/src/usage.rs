//! Usage errors as one line on stderr and exit status 2, for every binary.

use clap::error::{Error, ErrorKind};

/// Exits as clap would for `error`, except that an error is printed as one line
/// ([`one_line`]): `--help` and `--version` print to stdout and exit 0, a bad command
/// line prints its message to stderr and exits 2.
pub fn exit_with(error: Error) -> ! {
    if !error.use_stderr() || error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        error.exit();
    }
    eprintln!("{}", one_line(&error));
    std::process::exit(error.exit_code());
}

/// clap's message for `error` on one line: what was wrong, what is allowed and clap's
/// tips, without the usage block and the pointer to `--help` that follow it.
///
/// # Examples
///
/// ```
/// use chain_cli::{Cli, one_line};
/// use clap::Parser;
///
/// let error = Cli::try_parse_from(["runtime-x", "fanout", "--users", "0"]).unwrap_err();
/// let line = one_line(&error);
/// assert!(line.starts_with("error: invalid value '0' for '--users <N>'"), "{line}");
/// assert!(!line.contains('\n'));
/// ```
pub fn one_line(error: &Error) -> String {
    let rendered = error.render().to_string();
    let kept = rendered
        .split("\n\n")
        .filter(|part| {
            let part = part.trim_start();
            !part.starts_with("Usage:") && !part.starts_with("For more information")
        })
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let mut line = String::new();
    for part in kept {
        match line.chars().last() {
            None => {}
            // "the following required arguments were not provided:" and its list.
            Some(':') => line.push(' '),
            // "[possible values: ...]" completes the line before it.
            Some(_) if part.starts_with('[') => line.push(' '),
            Some(_) => line.push_str("; "),
        }
        line.push_str(part);
    }
    if line.is_empty() { "error: bad command line; see --help".to_owned() } else { line }
}
