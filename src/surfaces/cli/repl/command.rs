//! The REPL's dot-commands, parsed by one pure function.

use crate::surfaces::cli::print::Format;

/// A dot-command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Tables,
    Schema(Option<String>),
    Mode(Format),
    Timer(bool),
    DryRun(bool),
    Stats,
    /// `.cache` (false) or `.cache clear` (true).
    Cache(bool),
    Help,
    Quit,
}

/// What `.help` prints.
pub(crate) const HELP: &str = "\
.tables            list the tables
.schema [TABLE]    columns of a table (or of all): type, what selecting it costs, description
.mode FORMAT       table, csv, tsv, json, ndjson or markdown
.timer on|off      print each statement's elapsed time
.dryrun on|off     print the calls INSERT/UPDATE/DELETE would make, change nothing
.stats             API calls, retries and time of the last statement
.cache [clear]     the local cache: file, size, entries, hits of the last statement; or empty it
.help              this text
.quit              leave (Ctrl-D works too)
SQL statements end with ';'. Ctrl-C cancels a running statement.";

fn on_off(arg: Option<&str>, command: &str) -> Result<bool, String> {
    match arg.map(str::to_lowercase).as_deref() {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        _ => Err(format!("{command} takes 'on' or 'off'")),
    }
}

/// Parses a line that starts with `.`.
///
/// # Errors
/// An unknown command or a missing or wrong argument, in words.
pub(crate) fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.trim().trim_end_matches(';').split_whitespace();
    let name = words.next().unwrap_or_default();
    let arg = words.next();
    if words.next().is_some() {
        return Err(format!("{name}: too many arguments"));
    }
    match name {
        ".tables" => Ok(Command::Tables),
        ".schema" => Ok(Command::Schema(arg.map(str::to_owned))),
        ".mode" => match arg {
            Some(f) => f.parse().map(Command::Mode),
            None => Err(".mode takes a format: table, csv, tsv, json, ndjson or markdown".to_owned()),
        },
        ".timer" => on_off(arg, ".timer").map(Command::Timer),
        ".dryrun" => on_off(arg, ".dryrun").map(Command::DryRun),
        ".stats" => Ok(Command::Stats),
        ".cache" => match arg {
            None => Ok(Command::Cache(false)),
            Some("clear") => Ok(Command::Cache(true)),
            Some(other) => Err(format!(".cache takes nothing or 'clear', not '{other}'")),
        },
        ".help" => Ok(Command::Help),
        ".quit" | ".exit" => Ok(Command::Quit),
        other => Err(format!("unknown command '{other}' (try .help)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_and_usage_error() {
        let cases: &[(&str, Result<Command, &str>)] = &[
            (".tables", Ok(Command::Tables)),
            (".schema", Ok(Command::Schema(None))),
            (".schema users", Ok(Command::Schema(Some("users".into())))),
            (".mode csv", Ok(Command::Mode(Format::Csv))),
            (".mode JSON;", Ok(Command::Mode(Format::Json))),
            (".timer on", Ok(Command::Timer(true))),
            (".timer off", Ok(Command::Timer(false))),
            (".dryrun on", Ok(Command::DryRun(true))),
            (".dryrun", Err(".dryrun takes 'on' or 'off'")),
            (".stats", Ok(Command::Stats)),
            (".cache", Ok(Command::Cache(false))),
            (".cache clear", Ok(Command::Cache(true))),
            (".cache drop", Err(".cache takes nothing or 'clear'")),
            (".help", Ok(Command::Help)),
            (".quit", Ok(Command::Quit)),
            (".exit", Ok(Command::Quit)),
            (".mode", Err(".mode takes a format")),
            (".mode xml", Err("unknown format 'xml'")),
            (".timer maybe", Err(".timer takes 'on' or 'off'")),
            (".frobnicate", Err("unknown command '.frobnicate'")),
            (".schema a b", Err("too many arguments")),
        ];
        for (line, expected) in cases {
            match (parse(line), expected) {
                (Ok(got), Ok(want)) => assert_eq!(&got, want, "{line}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{line}: {got}"),
                (got, want) => panic!("{line}: got {got:?}, want {want:?}"),
            }
        }
    }
}
