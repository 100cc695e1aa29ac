//! Keeping passwords out of everything connectql writes: every password value a statement sends
//! (a literal, a `--var`, a value read from a file) is registered here before it can be written
//! anywhere, and every text that leaves the process (logs, errors, reports) passes `mask`. A
//! value is registered in each form it can be written in (as typed, JSON-escaped, Rust-escaped,
//! SQL-quoted), so escaping cannot let it through. Depends on nothing else in connectql.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{OnceLock, RwLock};

/// What a masked value is replaced with.
pub(crate) const MASK: &str = "********";

/// Values shorter than this are not masked in free text (they would mask ordinary words); no
/// password the service accepts is this short.
const MIN_LEN: usize = 4;

fn secrets() -> &'static RwLock<Vec<String>> {
    static SECRETS: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| RwLock::new(Vec::new()))
}

/// The forms a value takes in text connectql or a library may write.
fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json_inner = json.get(1..json.len().saturating_sub(1)).unwrap_or_default().to_owned();
    let debug = format!("{secret:?}");
    let debug_inner = debug.get(1..debug.len().saturating_sub(1)).unwrap_or_default().to_owned();
    // A JSON body printed with Rust's escapes (a request logged at trace level).
    let debug_of_json = format!("{json_inner:?}");
    let debug_of_json = debug_of_json.get(1..debug_of_json.len().saturating_sub(1)).unwrap_or_default().to_owned();
    let mut all = vec![secret.to_owned(), json_inner, debug_inner, debug_of_json, secret.replace('\'', "''")];
    all.retain(|f| f.chars().count() >= MIN_LEN);
    all.sort();
    all.dedup();
    all
}

/// Remembers a secret so it is masked from now on, in every text.
pub(crate) fn register(secret: &str) {
    if secret.chars().count() < MIN_LEN {
        return;
    }
    let mut s = secrets().write().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut changed = false;
    for form in forms(secret) {
        if !s.contains(&form) {
            s.push(form);
            changed = true;
        }
    }
    if changed {
        // Longest first, so a secret that contains another is masked whole.
        s.sort_by_key(|x| std::cmp::Reverse(x.len()));
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
        out = out.replace(secret.as_str(), MASK);
    }
    Cow::Owned(out)
}

/// Text with the given values masked as well as the registered ones (a statement's own literals
/// in its error, whatever their length).
pub(crate) fn mask_with(text: &str, values: &[String]) -> String {
    let mut out = mask(text).into_owned();
    let mut values: Vec<&String> = values.iter().filter(|v| !v.is_empty()).collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for v in values {
        for form in [v.clone(), v.replace('\'', "''")] {
            out = out.replace(&form, MASK);
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_of_a_secret_is_masked() {
        let secret = r#"Qu"ote\Back'slash9"#;
        register(secret);
        assert_eq!(mask(&format!("sent {secret} ok")), format!("sent {MASK} ok"));
        let json = serde_json::json!({ "Password": secret }).to_string();
        assert!(!mask(&json).contains("Back"), "{}", mask(&json));
        let logged = format!("{json:?}");
        assert!(!mask(&logged).contains("Back"), "{}", mask(&logged));
        assert!(!mask(&format!("{secret:?}")).contains("Back"));
        assert!(!mask(&format!("VALUES ('{}')", secret.replace('\'', "''"))).contains("Back"));
    }

    #[test]
    fn short_values_are_left_alone_unless_named() {
        register("ab");
        assert_eq!(mask("ab cd"), "ab cd");
        assert_eq!(mask_with("found 'ab' at 3", &["ab".to_owned()]), format!("found '{MASK}' at 3"));
    }
}
