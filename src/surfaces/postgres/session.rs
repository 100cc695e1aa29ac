//! The statements a Postgres client sends about its session rather than the data (`SET`,
//! `SHOW`, `BEGIN`, `COMMIT`, `ROLLBACK`, `DISCARD`, `DEALLOCATE`): answered here, per
//! connection, and never given to the engine, whose settings are the server's.

/// A session statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Begin,
    Commit,
    Rollback,
    /// `SET name = value` (`SET TIME ZONE v` is `timezone`; unnamed forms have no name).
    Set(Option<(String, String)>),
    Reset,
    Show(String),
    /// Accepted and done: nothing to keep (`DISCARD ALL`, `DEALLOCATE x`, `SAVEPOINT`, …).
    Done(&'static str),
}

/// The session statement `sql` is, if it is one.
pub(crate) fn recognize(sql: &str) -> Option<Command> {
    let text = crate::sql::script::without_comments(sql);
    let text = text.trim().trim_end_matches(';').trim();
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let first = *words.first()?;
    Some(match first {
        "begin" => Command::Begin,
        "start" if words.get(1) == Some(&"transaction") => Command::Begin,
        "commit" | "end" => Command::Commit,
        "rollback" | "abort" => Command::Rollback,
        "savepoint" => Command::Done("SAVEPOINT"),
        "release" => Command::Done("RELEASE"),
        "discard" => Command::Done("DISCARD ALL"),
        "deallocate" => Command::Done("DEALLOCATE"),
        "reset" => Command::Reset,
        "set" => Command::Set(assignment(&text[3..])),
        // SHOW TABLES and SHOW COLUMNS are connectql's (DataFusion's) own.
        "show" if !matches!(words.get(1), Some(&"tables" | &"columns" | &"functions" | &"all")) => {
            Command::Show(words[1..].join(" "))
        }
        _ => return None,
    })
}

/// `[SESSION|LOCAL] name {=|TO} value` or `TIME ZONE value`, as (lowercase name, value).
fn assignment(rest: &str) -> Option<(String, String)> {
    let rest = rest.trim();
    let lower = rest.to_lowercase();
    let rest = match lower.split_whitespace().next() {
        Some("session" | "local") => rest[lower.find(char::is_whitespace)?..].trim(),
        _ => rest,
    };
    let lower = rest.to_lowercase();
    let (name, value) = if let Some(v) = lower.strip_prefix("time zone") {
        ("timezone".to_owned(), rest[rest.len() - v.len()..].trim())
    } else if let Some(i) = rest.find('=') {
        (rest[..i].trim().to_lowercase(), rest[i + 1..].trim())
    } else {
        let i = lower.find(" to ")?;
        (rest[..i].trim().to_lowercase(), rest[i + 4..].trim())
    };
    let value = value.trim_matches(|c| c == '\'' || c == '"').to_owned();
    Some((name, value))
}

/// The value `SHOW name` answers when the session has not set it.
pub(crate) fn default_value(name: &str, read_only: bool) -> Option<String> {
    let on_off = |b: bool| if b { "on" } else { "off" }.to_owned();
    Some(match name {
        "server_version" => super::SERVER_VERSION.to_owned(),
        "server_version_num" => "160006".to_owned(),
        "transaction isolation level" | "transaction_isolation" | "default_transaction_isolation" => {
            "read committed".to_owned()
        }
        "transaction_read_only" | "default_transaction_read_only" => on_off(read_only),
        "standard_conforming_strings" | "integer_datetimes" => on_off(true),
        "client_encoding" | "server_encoding" => "UTF8".to_owned(),
        "datestyle" => "ISO, MDY".to_owned(),
        "intervalstyle" => "postgres".to_owned(),
        "timezone" | "time zone" => "UTC".to_owned(),
        "search_path" => crate::engine::SEARCH_PATH.to_owned(),
        "max_identifier_length" => "63".to_owned(),
        "lc_collate" | "lc_ctype" => "C".to_owned(),
        "extra_float_digits" => "1".to_owned(),
        "application_name" => String::new(),
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => "0".to_owned(),
        "is_superuser" => on_off(false),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_statements_are_recognized_and_data_statements_are_not() {
        assert_eq!(recognize("BEGIN"), Some(Command::Begin));
        assert_eq!(recognize("start transaction read only;"), Some(Command::Begin));
        assert_eq!(recognize("/* jdbc */ COMMIT"), Some(Command::Commit));
        assert_eq!(
            recognize("SET extra_float_digits = 3"),
            Some(Command::Set(Some(("extra_float_digits".into(), "3".into()))))
        );
        assert_eq!(
            recognize("SET SESSION application_name TO 'DBeaver 24'"),
            Some(Command::Set(Some(("application_name".into(), "DBeaver 24".into()))))
        );
        assert_eq!(
            recognize("set time zone 'Europe/Paris'"),
            Some(Command::Set(Some(("timezone".into(), "Europe/Paris".into()))))
        );
        assert_eq!(
            recognize("SHOW TRANSACTION ISOLATION LEVEL"),
            Some(Command::Show("transaction isolation level".into()))
        );
        assert_eq!(recognize("SHOW TABLES"), None);
        assert_eq!(recognize("SELECT 'BEGIN'"), None);
        assert_eq!(recognize("-- set x = 1\nSELECT 1"), None);
        assert_eq!(recognize("UPDATE users SET first_name = 'x' WHERE id = 'y'"), None);
    }
}
