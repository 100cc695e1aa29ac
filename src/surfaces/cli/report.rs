//! What the CLI shows on stderr while a statement runs: warnings, each written row as it
//! finishes, calls being retried, and (on a terminal) a spinner with the calls made so far. When
//! a write is interrupted, what was done, what was in flight and what was never started.
//! Everything written passes the password mask.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::engine::Statement;
use crate::error::Error;
use crate::provider::events::{Event, Observer, RowReport, RowStatus};

/// Writes one line on stderr, masked, without breaking a spinner.
fn line(progress: &Option<Arc<Spinner>>, text: &str) {
    let text = crate::mask::mask(text);
    match progress {
        Some(p) => p.bar.suspend(|| eprintln!("{text}")),
        None => eprintln!("{text}"),
    }
}

/// The row's error as a report line shows it: the service's code and message.
fn row_error(e: &Error) -> String {
    match e.api() {
        Some(a) => match &a.code {
            Some(code) => format!("{code}: {}", a.message),
            None => a.message.clone(),
        },
        None => e.to_string(),
    }
}

/// The lines of one written row.
fn row_lines(r: &RowReport) -> Vec<String> {
    let ops = r.operations();
    match (&r.status, r.dry_run) {
        (RowStatus::Failed(e), _) => vec![format!("error: {ops} {}: {}", r.subject, row_error(e))],
        (RowStatus::Skipped(why), _) => vec![format!("skipped {ops:<28} {}: {why}", r.subject)],
        (_, true) => r
            .calls
            .iter()
            .map(|c| {
                let mut line = format!("would call {}", c.operation);
                for part in
                    [c.request.clone(), c.params.as_ref().map(serde_json::Value::to_string)].into_iter().flatten()
                {
                    line.push(' ');
                    line.push_str(&part);
                }
                line
            })
            .collect(),
        (RowStatus::Done | RowStatus::Unchanged, false) => vec![format!("ok      {ops:<28} {}", r.subject)],
    }
}

/// A write in progress: which rows started and finished.
#[derive(Debug, Default)]
struct WriteProgress {
    verb: &'static str,
    subjects: Vec<String>,
    started: BTreeSet<usize>,
    finished: BTreeSet<usize>,
}

/// The stderr side of the CLI for one statement at a time.
#[derive(Default)]
pub(crate) struct Reporter {
    spinner: Mutex<Option<Arc<Spinner>>>,
    write: Mutex<Option<WriteProgress>>,
    /// (operation, reason) pairs already announced as retried in this statement.
    retried: Mutex<BTreeSet<(String, String)>>,
}

impl Reporter {
    fn spinner(&self) -> Option<Arc<Spinner>> {
        self.spinner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Forgets the last statement.
    pub(crate) fn begin(&self) {
        *self.write.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        self.retried.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// The observer to give the engine.
    pub(crate) fn observer(self: &Arc<Self>) -> Observer {
        let me = Arc::clone(self);
        Arc::new(move |e: &Event| me.on(e))
    }

    /// Prints a line on stderr (masked, around the spinner).
    pub(crate) fn print(&self, text: &str) {
        line(&self.spinner(), text);
    }

    fn on(&self, event: &Event) {
        match event {
            Event::Warning(w) => self.print(&format!("warning: {w}")),
            Event::PartFailed(e) => self.print(&format!("error: {e}")),
            Event::WriteStarted { verb, subjects, .. } => {
                *self.write.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some(WriteProgress { verb, subjects: subjects.clone(), ..WriteProgress::default() });
            }
            Event::RowStarted { index } => {
                if let Some(w) = self.write.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_mut() {
                    w.started.insert(*index);
                }
            }
            Event::RowDone { index, report } => {
                if let Some(w) = self.write.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_mut() {
                    w.finished.insert(*index);
                }
                for l in row_lines(report) {
                    self.print(&l);
                }
            }
            Event::Retrying(n) => {
                let first = self
                    .retried
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert((n.operation.clone(), n.reason.clone()));
                if first {
                    self.print(&format!(
                        "note: retrying {} after {} (attempt {} of {})",
                        n.operation, n.reason, n.attempt, n.max_attempts
                    ));
                }
            }
        }
    }

    /// After an interrupt: what the running write did and did not do.
    pub(crate) fn interrupted(&self) {
        let Some(w) = self.write.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() else {
            self.print("statement cancelled");
            return;
        };
        let names = |pick: &dyn Fn(usize) -> bool| -> Vec<&str> {
            w.subjects.iter().enumerate().filter(|(i, _)| pick(*i)).map(|(_, s)| s.as_str()).collect()
        };
        let in_flight = names(&|i| w.started.contains(&i) && !w.finished.contains(&i));
        let not_started = names(&|i| !w.started.contains(&i));
        self.print(&format!(
            "{} interrupted: {} of {} rows finished (reported above)",
            w.verb,
            w.finished.len(),
            w.subjects.len()
        ));
        if !in_flight.is_empty() {
            self.print(&format!("in flight, may or may not have been applied: {}", in_flight.join(", ")));
        }
        if !not_started.is_empty() {
            self.print(&format!("not started: {}", not_started.join(", ")));
        }
    }

    /// Shows a spinner with the statement's calls while it runs (only on a terminal); it stops
    /// when the returned guard is dropped, however the statement ends.
    pub(crate) fn spin(self: &Arc<Self>, statement: &Statement, enabled: bool) -> SpinGuard {
        if !enabled || !std::io::stderr().is_terminal() {
            return SpinGuard(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        let spinner = Arc::new(Spinner { bar, paused: AtomicBool::new(false) });
        *self.spinner.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(&spinner));
        let stats = statement.stats_handle();
        let ticker = Arc::clone(&spinner);
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(120)).await;
                if ticker.paused.load(Ordering::Relaxed) {
                    continue;
                }
                let s = stats();
                ticker.bar.set_message(format!("{} API calls ({} retries)", s.total_calls(), s.retries()));
                ticker.bar.tick();
            }
        });
        SpinGuard(Some((Arc::clone(self), task)))
    }

    /// Asks a yes/no question on the terminal, with the spinner out of the way.
    pub(crate) fn ask(&self, ask: impl FnOnce() -> bool) -> bool {
        match self.spinner() {
            Some(s) => {
                s.paused.store(true, Ordering::Relaxed);
                let answer = s.bar.suspend(ask);
                s.paused.store(false, Ordering::Relaxed);
                answer
            }
            None => ask(),
        }
    }
}

/// A spinner on stderr.
pub(crate) struct Spinner {
    bar: indicatif::ProgressBar,
    /// A question is on the screen: do not draw.
    paused: AtomicBool,
}

/// Stops the spinner when dropped.
pub(crate) struct SpinGuard(Option<(Arc<Reporter>, tokio::task::JoinHandle<()>)>);

impl Drop for SpinGuard {
    fn drop(&mut self) {
        if let Some((reporter, task)) = self.0.take() {
            task.abort();
            if let Some(s) = reporter.spinner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
                s.bar.finish_and_clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiFailure, Cause};
    use crate::provider::events::Call;

    fn report(status: RowStatus, dry_run: bool) -> RowReport {
        RowReport {
            subject: "jane (u-1)".into(),
            calls: vec![Call {
                operation: "CreateUser".into(),
                request: Some("PUT /users/i".into()),
                params: Some(serde_json::json!({"Username": "jane"})),
            }],
            status,
            returned: None,
            dry_run,
        }
    }

    #[test]
    fn each_row_outcome_has_its_line() {
        assert_eq!(
            row_lines(&report(RowStatus::Done, false)),
            vec![format!("ok      {:<28} jane (u-1)", "CreateUser")]
        );
        assert_eq!(
            row_lines(&report(RowStatus::Done, true)),
            vec!["would call CreateUser PUT /users/i {\"Username\":\"jane\"}"]
        );
        let failure = ApiFailure {
            code: Some("DuplicateResourceException".into()),
            ..ApiFailure::new("CreateUser", Cause::Service, "exists")
        };
        assert_eq!(
            row_lines(&report(RowStatus::Failed(failure.into()), false)),
            vec!["error: CreateUser jane (u-1): DuplicateResourceException: exists"]
        );
        assert!(row_lines(&report(RowStatus::Skipped("already exists".into()), false))[0].starts_with("skipped"));
    }
}
