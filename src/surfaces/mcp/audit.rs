//! `--audit-log FILE`: one JSON line per tool call — when, which tool, its arguments with every
//! password masked, the API calls it made, and how it ended — appended, so a person can see
//! afterwards what an agent did.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::mask::{self, mask};

/// Where audit lines go.
pub(crate) struct AuditLog {
    path: PathBuf,
    /// One writer at a time, so concurrent calls never interleave within a line.
    file: Mutex<std::fs::File>,
}

/// A member whose value is a secret wherever it appears in a tool's arguments.
pub(crate) fn is_secret_member(name: &str) -> bool {
    name.to_ascii_lowercase().contains("password")
}

/// Registers every secret member's value (so it is masked in every text from now on) and
/// returns the arguments with those values replaced.
pub(crate) fn masked_arguments(arguments: &Map<String, Value>) -> Value {
    fn walk(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        if is_secret_member(k) {
                            if let Value::String(s) = v {
                                mask::register(s);
                            }
                            (k.clone(), json!(mask::MASK))
                        } else {
                            (k.clone(), walk(v))
                        }
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(walk).collect()),
            // Free text may be JSON with password members (a body sent as a string), or SQL
            // that carries a password: the engine registers a statement's values when it reads
            // it; one that cannot be read has every literal that could be a password masked.
            Value::String(s) => {
                crate::sql::secrets::register_json_passwords(s);
                Value::String(mask::mask_with(s, &crate::sql::secrets::unparsed_passwords(s)))
            }
            other => other.clone(),
        }
    }
    walk(&Value::Object(arguments.clone()))
}

impl AuditLog {
    /// Opens (creates) the file for appending; owner-only, as it may name users.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub(crate) fn open(path: &Path) -> std::io::Result<AuditLog> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        Ok(AuditLog { path: path.to_owned(), file: Mutex::new(file) })
    }

    /// Appends one line. A failing write is reported on stderr and does not fail the call: the
    /// call already happened.
    pub(crate) fn record(&self, tool: &str, arguments: &Value, calls: &BTreeMap<String, u64>, outcome: &Value) {
        let line = json!({
            "time": humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
            "tool": tool,
            "arguments": arguments,
            "calls": calls,
            "outcome": outcome,
        });
        let text = mask(&line.to_string()).into_owned();
        let mut file = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = writeln!(file, "{text}").and_then(|()| file.flush()) {
            eprintln!("warning: cannot write the audit log {}: {e}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_members_are_masked_at_any_depth_and_registered() {
        let args = json!({ "InstanceId": "i", "body": { "Username": "u", "Password": "Audit-Secret-9x" } });
        let masked = masked_arguments(args.as_object().expect("object"));
        assert_eq!(masked["body"]["Password"], json!(mask::MASK));
        assert_eq!(masked["body"]["Username"], json!("u"));
        assert!(!mask("said Audit-Secret-9x").contains("Audit-Secret-9x"), "registered for every text");
    }

    #[test]
    fn lines_are_appended_whole() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).expect("open");
        log.record("query", &json!({ "sql": "SELECT 1" }), &BTreeMap::new(), &json!({ "ok": true }));
        log.record("query", &json!({ "sql": "SELECT 2" }), &BTreeMap::from([("ListUsers".into(), 1)]), &json!("ok"));
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["calls"]["ListUsers"], 1);
        assert!(lines[0]["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}
