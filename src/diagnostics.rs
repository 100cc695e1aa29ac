//! Warnings and partial failures of the running statement: printed on stderr when they happen
//! and kept so the exit code can say something failed.

use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
struct Inner {
    warnings: Vec<String>,
    failures: Vec<String>,
}

/// Shared by the scans of a statement; clone freely.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(Arc<Mutex<Inner>>);

impl Diagnostics {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Something the user should know that does not fail the statement.
    pub fn warn(&self, message: String) {
        let message = crate::redact::mask(&message).into_owned();
        eprintln!("warning: {message}");
        self.with(|i| i.warnings.push(message));
    }

    /// A part of the statement failed and was skipped (`--partial`, or a row of a bulk change).
    pub fn failure(&self, message: String) {
        let message = crate::redact::mask(&message).into_owned();
        eprintln!("error: {message}");
        self.with(|i| i.failures.push(message));
    }

    pub fn warnings(&self) -> Vec<String> {
        self.with(|i| i.warnings.clone())
    }

    pub fn failures(&self) -> Vec<String> {
        self.with(|i| i.failures.clone())
    }

    pub fn reset(&self) {
        self.with(|i| {
            i.warnings.clear();
            i.failures.clear();
        });
    }
}
