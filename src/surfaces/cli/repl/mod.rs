//! The interactive shell: multi-line statements ended by `;`, history across sessions (password
//! literals never kept), Tab completion, dot-commands, and Ctrl-C that cancels the running
//! statement, not the shell.

mod command;
mod helper;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

use super::print::Printer;
use super::report::Reporter;
use super::runner::{RunOptions, run_sql};
use crate::engine::{Engine, Request};
use crate::provider::context::WritePolicy;
use crate::sql::secrets::history_line;
use command::Command;
use connectql_emulator::EmulatorHandle;
use helper::ReplHelper;

/// Asks a yes/no question on stderr and reads the answer from stdin.
fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::Write::flush(&mut std::io::stderr());
    let mut answer = String::new();
    let read = tokio::task::block_in_place(|| std::io::stdin().read_line(&mut answer));
    read.is_ok() && matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
}

fn history_path(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit.or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".connectql_history")))
}

/// The demo's instances by region: `us-east-1: a, b; eu-west-2: c`.
fn demo_regions() -> String {
    let mut regions: Vec<(&str, Vec<&str>)> = Vec::new();
    for (region, alias) in connectql_emulator::seed::demo_instances() {
        match regions.iter_mut().find(|(r, _)| *r == region) {
            Some((_, aliases)) => aliases.push(alias),
            None => regions.push((region, vec![alias])),
        }
    }
    regions.iter().map(|(r, aliases)| format!("{r}: {}", aliases.join(", "))).collect::<Vec<_>>().join("; ")
}

/// What the shell says first; for the demo, what is in it and where a query reads.
fn banner(demo: Option<&EmulatorHandle>, default_region: &str) {
    match demo {
        Some(d) => eprintln!(
            "connectql demo: an embedded Amazon Connect emulator at {} holds a demo organisation: account acme\n\
             ({}), its staging copy acme-staging and the business unit acme-retail\n\
             (eu-west-2), reached through their audit roles. Nothing leaves this machine.\n\
             A query reads {default_region} (acme-retail: eu-west-2) unless it names a region (WHERE region = 'eu-west-2');\n\
             every table has account_id (SELECT * FROM aws.connect.accounts; --account acme reads one account).\n\
             Try: SELECT username, email, phone_type FROM aws.connect.users LIMIT 5;\n\
             .help lists the commands.",
            d.base_url(),
            demo_regions()
        ),
        None => eprintln!("connectql: SQL over Amazon Connect. .help lists the commands; statements end with ';'."),
    }
}

async fn print_schema(engine: &Engine, table: Option<&str>, opts: &RunOptions) -> Result<(), String> {
    let names: Vec<String> = match table {
        Some(t) => vec![t.to_owned()],
        None => engine.tables().into_iter().map(|t| t.name).collect(),
    };
    for name in names {
        let info = engine.table(&name).ok_or_else(|| format!("no table '{name}' (try .tables)"))?;
        println!("{}", info.qualified_name);
        let mut statement = engine
            .execute(&format!("DESCRIBE {}", info.qualified_name), &Request::default())
            .await
            .map_err(|e| e.to_string())?;
        let schema = statement.schema();
        let mut printer = Printer::new(opts.format, std::io::stdout().lock());
        for b in statement.collect().await.map_err(|e| e.to_string())? {
            printer.batch(b).map_err(|e| e.to_string())?;
        }
        let _stdout = printer.finish(&schema).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Keeps a line in the history, unless it would keep a password.
fn remember(rl: &mut Editor<ReplHelper, DefaultHistory>, history: Option<&PathBuf>, text: &str) {
    let Some(kept) = history_line(text) else { return };
    let _ = rl.add_history_entry(kept);
    if let Some(h) = history {
        let _ = rl.append_history(h);
    }
}

/// Runs the shell until `.quit` or end of input. Returns 1 when the last statement failed.
pub(crate) async fn run(
    engine: &Engine,
    reporter: &Arc<Reporter>,
    mut opts: RunOptions,
    history: Option<PathBuf>,
    demo: Option<&EmulatorHandle>,
) -> ExitCode {
    let tables: Vec<(String, Vec<String>)> =
        engine.tables().into_iter().map(|t| (t.name, t.columns.into_iter().map(|c| c.name).collect())).collect();
    let config = Config::builder().auto_add_history(false).build();
    let mut rl: Editor<ReplHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("Error: cannot start the shell: {e}");
            return ExitCode::from(1);
        }
    };
    rl.set_helper(Some(ReplHelper::new(&tables)));
    let history = history_path(history);
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    banner(demo, &engine.default_region().unwrap_or_else(|| "the default region".to_owned()));
    // Large changes ask here, on the terminal, before any call is made.
    let asker = Arc::clone(reporter);
    opts.confirm = Some(Arc::new(move |q: &str| asker.ask(|| confirm(q))));
    let mut last_failed = false;
    loop {
        let line = tokio::task::block_in_place(|| rl.readline("connectql> "));
        let line = match line {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("Error: {e}");
                break;
            }
        };
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        remember(&mut rl, history.as_ref(), text);
        if text.starts_with('.') {
            match command::parse(text) {
                Ok(Command::Quit) => break,
                Ok(Command::Help) => println!("{}", command::HELP),
                Ok(Command::Tables) => {
                    for t in engine.tables() {
                        println!("{:<40} {}", t.qualified_name, t.description);
                    }
                }
                Ok(Command::Schema(t)) => {
                    if let Err(e) = print_schema(engine, t.as_deref(), &opts).await {
                        eprintln!("Error: {e}");
                    }
                }
                Ok(Command::Mode(f)) => opts.format = f,
                Ok(Command::Timer(on)) => opts.timer = on,
                Ok(Command::DryRun(on)) => {
                    opts.policy = on.then_some(WritePolicy::DryRun);
                    eprintln!("dry run {}", if on { "on: writes print their calls and change nothing" } else { "off" });
                }
                Ok(Command::Stats) => println!("{}", engine.last_stats()),
                Ok(Command::Cache(clear)) => cache_command(engine, clear),
                Err(e) => eprintln!("Error: {e}"),
            }
            continue;
        }
        let mut stdout = std::io::stdout();
        tokio::select! {
            outcome = run_sql(engine, reporter, text, &opts, &mut stdout) => last_failed = outcome.failures > 0,
            _ = tokio::signal::ctrl_c() => {
                reporter.interrupted();
                last_failed = true;
            }
        }
    }
    if last_failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// `.cache` and `.cache clear`.
fn cache_command(engine: &Engine, clear: bool) {
    let info = if clear { engine.clear_cache().map(Some) } else { Ok(engine.cache_info()) };
    match info {
        Ok(Some(i)) => {
            let last = engine.last_stats();
            let items = last.cache_hits + last.cache_misses;
            let rate = if items == 0 {
                "no item of the last statement could come from it".to_owned()
            } else {
                format!(
                    "last statement: {} of {items} items from the cache ({:.1}%)",
                    last.cache_hits,
                    100.0 * last.cache_hits as f64 / items as f64
                )
            };
            let place = if i.path.as_os_str().is_empty() {
                "in memory, for this session (the demo's data is new each run)".to_owned()
            } else {
                i.path.display().to_string()
            };
            if clear {
                println!("cache cleared: {place}");
            } else {
                println!("cache: {place}\n{} entries, {} bytes; {rate}", i.entries, i.bytes);
            }
        }
        Ok(None) => println!("the cache is disabled (--no-cache)"),
        Err(e) => eprintln!("Error: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_banner_names_every_seeded_instance_by_region() {
        assert_eq!(
            demo_regions(),
            "us-east-1: acme-contact-center, acme-sso; eu-west-2: acme-uk; ap-southeast-2: acme-apac"
        );
    }
}
