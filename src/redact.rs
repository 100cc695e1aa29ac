//! Keeping passwords out of what connectql writes down (REPL history, dry runs, logs).

use std::sync::OnceLock;

use regex::Regex;

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
    let [assign, var] = patterns();
    let masked = assign.replace_all(text, "$1'********'");
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
    }
}
