//! What Postgres clients need of the engine: their SQL (`::regclass`, `OPERATOR(pg_catalog.~)`,
//! the catalog queries psql, DBeaver and Grafana send) made into SQL DataFusion plans, and the
//! `pg_catalog` schema with Postgres' functions beside `aws.connect`.

use std::sync::{Arc, OnceLock};

use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::{PgCatalogContextProvider, Role};
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use crate::error::{Error, SqlError};

mod catalog;
mod functions;
mod rewrites;

pub(crate) use catalog::as_json;
pub(crate) use functions::{PG_USER, SEARCH_PATH, SERVER_VERSION};

/// The catalog clients connect to as their database.
pub(crate) const DATABASE: &str = "aws";

fn parser() -> &'static PostgresCompatibilityParser {
    static PARSER: OnceLock<PostgresCompatibilityParser> = OnceLock::new();
    PARSER.get_or_init(PostgresCompatibilityParser::new)
}

/// One statement of a Postgres client, rewritten into SQL the engine parses as its own;
/// `writable`: whether it may write (the privileges the catalog reports).
///
/// # Errors
/// The text does not parse as Postgres SQL, or holds more than one statement.
pub(crate) fn translate(text: &str, writable: bool) -> Result<String, Error> {
    let mut statements = parser().parse(text).map_err(|e| Error::sql(SqlError::Syntax, e.to_string()))?;
    match (statements.pop(), statements.len()) {
        (Some(mut s), 0) => {
            rewrites::apply(&mut s, writable);
            Ok(s.to_string())
        }
        (None, _) => Err(Error::sql(SqlError::Syntax, "no statement")),
        (Some(_), n) => {
            Err(Error::sql(SqlError::Syntax, format!("{} statements in one: send them one at a time", n + 1)))
        }
    }
}

/// The one role clients log in as (`pg_roles`, psql's `\du`): connectql's user, which may log
/// in and holds no server privilege (what it may change is the engine's write policy).
#[derive(Debug, Clone)]
struct Roles;

#[async_trait::async_trait]
impl PgCatalogContextProvider for Roles {
    async fn roles(&self) -> Vec<String> {
        vec![PG_USER.to_owned()]
    }

    async fn role(&self, name: &str) -> Option<Role> {
        (name == PG_USER).then(|| Role {
            name: name.to_owned(),
            is_superuser: false,
            can_login: true,
            can_create_db: false,
            can_create_role: false,
            can_create_user: false,
            can_replication: false,
            grants: Vec::new(),
            inherited_roles: Vec::new(),
        })
    }
}

/// Adds `pg_catalog` (tables, views and functions; `pg_attribute` and `pg_description` saying
/// what `tables` say of themselves) and `information_schema`'s name to the `aws` catalog of
/// `ctx`, and the functions clients call that it lacks or answers as another server would.
///
/// # Errors
/// The catalog is missing (a bug).
pub(crate) fn register_catalog(ctx: &SessionContext, tables: Vec<crate::engine::TableInfo>) -> Result<(), Error> {
    setup_pg_catalog(ctx, DATABASE, Roles).map_err(|e| Error::from_datafusion(&e))?;
    if let Some(catalog) = ctx.catalog(DATABASE)
        && let Some(inner) = catalog.schema("pg_catalog")
    {
        let catalogs = Arc::clone(ctx.state().catalog_list());
        let typed = catalog::Catalog { inner, catalogs, tables: Arc::new(tables) };
        catalog.register_schema("pg_catalog", Arc::new(typed)).map_err(|e| Error::from_datafusion(&e))?;
    }
    // Listed (`\dn`, `getSchemas`) as Postgres lists it; its tables stay DataFusion's, which
    // resolves the name before the catalog's schemas and leaves this one out of its own views.
    if let Some(catalog) = ctx.catalog(DATABASE) {
        let empty = Arc::new(datafusion::catalog::MemorySchemaProvider::new());
        catalog.register_schema("information_schema", empty).map_err(|e| Error::from_datafusion(&e))?;
    }
    for f in functions::all() {
        ctx.register_udf(f);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translate_read(text: &str) -> Result<String, Error> {
        translate(text, false)
    }

    #[test]
    fn psql_catalog_syntax_becomes_plain_sql() {
        let sql = translate_read(
            "SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(users)$' \
             COLLATE pg_catalog.default AND c.oid = 'connect.users'::regclass",
        )
        .expect("translates");
        assert!(!sql.contains("OPERATOR("), "{sql}");
        assert!(!sql.contains("regclass"), "{sql}");
        assert!(translate_read("SELECT 1; SELECT 2").is_err());
    }

    #[test]
    fn another_like_escape_becomes_the_backslash() {
        let sql =
            translate_read("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg/_%' ESCAPE '/'").expect("ok");
        assert!(sql.contains("NOT LIKE connectql_like_escape('pg/_%', '/')") && !sql.contains("ESCAPE"), "{sql}");
    }

    #[test]
    fn catalog_vectors_and_lookups_become_what_datafusion_runs() {
        let sql = translate_read(
            "SELECT unnest(i.indkey) AS attnum, generate_subscripts(i.indkey, 1) AS ord FROM pg_index i",
        )
        .expect("ok");
        assert!(sql.contains("unnest(CAST(string_to_array(i.indkey, ' ') AS INT[])) AS attnum"), "{sql}");
        assert!(sql.contains("unnest(generate_series(1, array_length(CAST(string_to_array(i.indkey"), "{sql}");
        let sql = translate_read(
            "SELECT a.attname, CASE WHEN a.atthasdef THEN (SELECT d.adbin FROM pg_catalog.pg_attrdef d WHERE d.adrelid = a.attrelid) ELSE NULL END AS d \
             FROM pg_catalog.pg_attribute a",
        )
        .expect("ok");
        assert!(sql.contains("NULL AS d") && !sql.contains("pg_attrdef"), "{sql}");
        // A user's own CASE is left as written.
        let sql =
            translate_read("SELECT CASE WHEN true THEN (SELECT max(username) FROM connect.users) ELSE NULL END AS u")
                .expect("ok");
        assert!(sql.contains("SELECT max(username) FROM connect.users"), "{sql}");
    }

    #[test]
    fn array_subqueries_become_aggregates() {
        let sql = translate_read(
            "SELECT r.rolname, ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b \
             ON (m.roleid = b.oid) WHERE m.member = r.oid) AS memberof FROM pg_catalog.pg_roles r",
        )
        .expect("ok");
        assert!(sql.contains("(SELECT array_agg(b.rolname) FROM") && !sql.contains("ARRAY(SELECT"), "{sql}");
        let sql = translate_read(
            "SELECT array(select 'toast.' || x from pg_catalog.unnest(tc.reloptions) x) AS o FROM pg_class tc",
        )
        .expect("ok");
        assert!(sql.contains("CAST(NULL AS TEXT[]) AS o"), "{sql}");
    }

    #[test]
    fn pgjdbc_catalog_queries_become_what_datafusion_runs() {
        let sql = translate_read(
            "SELECT (information_schema._pg_expandarray(i.indkey)).n AS key_seq, \
             information_schema._pg_expandarray(i.indkey) AS keys FROM pg_catalog.pg_index i",
        )
        .expect("ok");
        assert!(sql.contains("get_field((unnest(connectql_expand_array(i.indkey))), 'n') AS key_seq"), "{sql}");
        let sql = translate_read("SELECT r.a FROM (SELECT 1 AS a) r WHERE r.a = (r.keys).x").expect("ok");
        assert!(sql.contains("get_field((r.keys), 'x')"), "{sql}");
        let sql =
            translate_read("SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'").expect("ok");
        assert!(sql.contains("('max_index_keys', '32')") && sql.contains("AS pg_settings"), "{sql}");
        let sql = translate_read("SELECT NULL, NULL, 1 AS x, NULL FROM pg_proc").expect("ok");
        assert!(sql.contains(r#"NULL AS "?column?", NULL AS "?column?2", 1 AS x, NULL AS "?column?3""#), "{sql}");
        let sql = translate_read("SELECT c.relacl, a.attacl FROM pg_class c, pg_attribute a").expect("ok");
        assert!(sql.contains("'{connectql=r/connectql}' AS relacl"), "{sql}");
        assert!(translate("SELECT c.relacl FROM pg_class c", true).expect("ok").contains("connectql=arwd/"));
        let sql =
            translate_read("SELECT 1 FROM pg_constraint con WHERE 2 = con.conkey[pos.n] AND 0 = i.indoption[k - 1]")
                .expect("ok");
        assert!(sql.contains("array_element(connectql_expand_array(con.conkey), (pos.n) + 0)"), "{sql}");
        assert!(sql.contains("array_element(connectql_expand_array(i.indoption), (k - 1) + 1)"), "{sql}");
        let sql =
            translate_read("SELECT typinput = 'pg_catalog.array_in'::regproc AS is_array FROM pg_catalog.pg_type")
                .expect("ok");
        assert!(sql.contains("typinput = 'array_in' AS is_array"), "{sql}");
    }
}
