//! What Postgres clients need of the engine: their SQL (`::regclass`, `OPERATOR(pg_catalog.~)`,
//! the catalog queries psql, DBeaver and Grafana send) made into SQL DataFusion plans, and the
//! `pg_catalog` schema with Postgres' functions beside `aws.connect`.

use std::sync::OnceLock;

use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use crate::error::{Error, SqlError};

/// The catalog clients connect to as their database.
pub(crate) const DATABASE: &str = "aws";

fn parser() -> &'static PostgresCompatibilityParser {
    static PARSER: OnceLock<PostgresCompatibilityParser> = OnceLock::new();
    PARSER.get_or_init(PostgresCompatibilityParser::new)
}

/// One statement of a Postgres client, rewritten into SQL the engine parses as its own.
///
/// # Errors
/// The text does not parse as Postgres SQL, or holds more than one statement.
pub(crate) fn translate(text: &str) -> Result<String, Error> {
    let mut statements = parser().parse(text).map_err(|e| Error::sql(SqlError::Syntax, e.to_string()))?;
    match (statements.pop(), statements.len()) {
        (Some(s), 0) => Ok(s.to_string()),
        (None, _) => Err(Error::sql(SqlError::Syntax, "no statement")),
        (Some(_), n) => {
            Err(Error::sql(SqlError::Syntax, format!("{} statements in one: send them one at a time", n + 1)))
        }
    }
}

/// Adds `pg_catalog` (tables, views and functions) to the `aws` catalog of `ctx`.
///
/// # Errors
/// The catalog is missing (a bug).
pub(crate) fn register_catalog(ctx: &SessionContext) -> Result<(), Error> {
    setup_pg_catalog(ctx, DATABASE, EmptyContextProvider).map_err(|e| Error::from_datafusion(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psql_catalog_syntax_becomes_plain_sql() {
        let sql = translate(
            "SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(users)$' \
             COLLATE pg_catalog.default AND c.oid = 'connect.users'::regclass",
        )
        .expect("translates");
        assert!(!sql.contains("OPERATOR("), "{sql}");
        assert!(!sql.contains("regclass"), "{sql}");
        assert!(translate("SELECT 1; SELECT 2").is_err());
    }
}
