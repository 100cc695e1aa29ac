//! Keeping passwords out of what connectql writes down (REPL history, dry runs, logs).

use std::borrow::Cow;
use std::io::Write;
use std::sync::{OnceLock, RwLock};

use regex::Regex;

/// Password values seen in this process (statements and `--var`s), masked wherever text is
/// written: logs, errors, reports, history.
fn secrets() -> &'static RwLock<Vec<String>> {
    static SECRETS: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| RwLock::new(Vec::new()))
}

/// Remembers a secret so it is masked from now on.
pub fn register_secret(secret: &str) {
    if secret.chars().count() < 6 {
        return;
    }
    let mut s = secrets().write().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !s.iter().any(|x| x == secret) {
        s.push(secret.to_owned());
        // Longest first, so a secret that contains another is masked whole.
        s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    }
}

/// Registers the password values a piece of SQL carries.
pub fn register_sql_secrets(sql: &str) {
    for secret in crate::sql_rewrite::password_literals(sql) {
        register_secret(&secret);
    }
}

/// Text with every registered secret masked.
pub fn mask(text: &str) -> Cow<'_, str> {
    let s = secrets().read().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !s.iter().any(|x| text.contains(x.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for secret in s.iter() {
        out = out.replace(secret.as_str(), "********");
    }
    Cow::Owned(out)
}

/// stderr for log lines, with secrets masked.
pub struct MaskedStderr;

impl Write for MaskedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(mask(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

fn patterns() -> &'static [Regex; 2] {
    static RE: OnceLock<[Regex; 2]> = OnceLock::new();
    RE.get_or_init(|| {
        [
            // password = 'x', "Password": "x", password => 'x'
            Regex::new(r#"(?i)("?password"?\s*(?:=|:|=>)\s*)('(?:[^']|'')*'|"(?:[^"\\]|\\.)*")"#).expect("valid regex"),
            // --var password=x
            Regex::new(r"(?i)(password=)\S+").expect("valid regex"),
        ]
    })
}

/// A statement as it may be written to the history file: password values masked.
pub fn redact_history(text: &str) -> String {
    register_sql_secrets(text);
    let text = mask(text);
    let [assign, var] = patterns();
    let masked = assign.replace_all(&text, "$1'********'");
    var.replace_all(&masked, "${1}********").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_values_are_masked() {
        assert_eq!(
            redact_history("UPDATE t SET password = 'S3cret!x' WHERE id = 'a';"),
            "UPDATE t SET password = '********' WHERE id = 'a';"
        );
        assert_eq!(redact_history(r#"{"Password": "S3cret!x"}"#), r#"{"Password": '********'}"#);
        assert!(!redact_history("--var password=S3cret!x").contains("S3cret"));
        let positional = "INSERT INTO aws.connect.users (username, password) VALUES ('a', 'P0sitional!pw')";
        assert!(!redact_history(positional).contains("P0sitional"), "{}", redact_history(positional));
        assert_eq!(mask("error near 'P0sitional!pw'"), "error near '********'");
    }
}
