//! The rewrites that make a Postgres client's SQL (its catalog queries above all) SQL that
//! DataFusion plans: each one a pass over the parsed statement, for one construct DataFusion
//! lacks or that `pg_catalog` here holds in another form.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Select, SelectItem, Statement, TableFactor,
    Value as SqlValue, VisitorMut,
};

use super::functions;
use crate::sql::walk;

/// Every rewrite, in the order they build on each other. `writable`: the statement may
/// write (the privileges the catalog reports).
pub(super) fn apply(s: &mut Statement, writable: bool) {
    backslash_escapes(s);
    unique_column_names(s);
    expanded_arrays(s);
    field_access(s);
    settings_table(s);
    vectors_as_arrays(s);
    vector_subscripts(s);
    function_names(s);
    missing_catalog_columns(s, writable);
    array_subqueries(s);
    array_parameters(s);
    argument_type_arrays(s);
    type_names(s);
    descriptions_looked_up(s);
    catalog_lookups_without_rows(s);
    catalog_lookups_aggregated(s);
}

/// `LIKE p ESCAPE 'c'` with another escape than the backslash (SQLAlchemy writes `ESCAPE '/'`)
/// becomes `LIKE connectql_like_escape(p, 'c')`: DataFusion knows the backslash only.
fn backslash_escapes(statement: &mut Statement) {
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::Like { pattern, escape_char, .. } | Expr::ILike { pattern, escape_char, .. } = e
            && let Some(escape) = escape_char.take()
        {
            let backslash = matches!(&escape.value, SqlValue::SingleQuotedString(c) if c == "\\");
            match parsed_expr(&format!("{}({pattern}, {escape})", functions::LIKE_ESCAPE)) {
                Some(call) if !backslash => **pattern = call,
                _ => *escape_char = Some(escape),
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The catalog's `int2vector`/`oidvector` columns, which `pg_catalog` holds as text (`"1 2"`).
const VECTOR_COLUMNS: [&str; 4] = ["indkey", "indclass", "indoption", "indcollation"];

/// Whether an expression is a column (bare or qualified) of one of these names.
fn is_column(e: &Expr, names: &[&str]) -> bool {
    let name = match e {
        Expr::Identifier(i) => &i.value,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(i) => &i.value,
            None => return false,
        },
        _ => return false,
    };
    names.iter().any(|c| name.eq_ignore_ascii_case(c))
}

/// The only argument of a call (`f(x)`) or its first one (`f(x, 1)`).
fn first_arg(f: &Function) -> Option<&Expr> {
    match &f.args {
        FunctionArguments::List(l) => match l.args.first() {
            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => Some(e),
            _ => None,
        },
        _ => None,
    }
}

fn parsed_expr(text: &str) -> Option<Expr> {
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;
    Parser::new(&PostgreSqlDialect {}).try_with_sql(text).ok()?.parse_expr().ok()
}

/// `unnest(i.indkey)` and `generate_subscripts(i.indkey, 1)` (SQLAlchemy's and pgjdbc's key and
/// index queries) over the text the catalog holds: the vector split into integers, and its
/// subscripts as a second `unnest` that DataFusion zips with the first, as Postgres does.
fn vectors_as_arrays(statement: &mut Statement) {
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::Function(f) = e
            && let Some(arg) = first_arg(f).filter(|a| is_column(a, &VECTOR_COLUMNS))
        {
            let array = format!("CAST(string_to_array({arg}, ' ') AS INT[])");
            let name = f.name.to_string().to_ascii_lowercase();
            let replacement = match name.trim_start_matches("pg_catalog.") {
                "unnest" => parsed_expr(&format!("unnest({array})")),
                "generate_subscripts" => parsed_expr(&format!("unnest(generate_series(1, array_length({array}, 1)))")),
                _ => None,
            };
            if let Some(r) = replacement {
                *e = r;
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Catalog tables that hold no row about connectql's tables: column defaults, sequences,
/// collations of their own.
const NEVER_ROWS_FOR_CONNECTQL: [&str; 3] = ["pg_attrdef", "pg_sequence", "pg_collation"];

/// Whether a SELECT reads tables only, each of them one `wanted` accepts (by its lower-case
/// name without `pg_catalog.`).
fn reads_only(select: &Select, wanted: impl Fn(&str) -> bool) -> bool {
    use datafusion::sql::sqlparser::ast::TableFactor;
    let accepted = |t: &TableFactor| match t {
        TableFactor::Table { name, .. } => {
            wanted(name.to_string().to_ascii_lowercase().trim_start_matches("pg_catalog."))
        }
        _ => false,
    };
    !select.from.is_empty()
        && select.from.iter().all(|t| accepted(&t.relation) && t.joins.iter().all(|j| accepted(&j.relation)))
}

/// `CASE WHEN c THEN (SELECT … FROM pg_attrdef …) ELSE NULL END` (SQLAlchemy's column
/// inspection) becomes NULL: no column here has a default, an identity sequence or a collation
/// of its own, and DataFusion runs no correlated subquery inside CASE.
fn catalog_lookups_without_rows(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::SetExpr;
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::Case { operand: None, conditions, else_result, .. } = e
            && conditions.len() == 1
            && else_result.as_deref().is_none_or(|r| matches!(r, Expr::Value(v) if v.value == SqlValue::Null))
            && let Expr::Subquery(q) = &conditions[0].result
            && let SetExpr::Select(select) = q.body.as_ref()
            && reads_only(select, |t| NEVER_ROWS_FOR_CONNECTQL.contains(&t))
        {
            *e = Expr::Value(SqlValue::Null.into());
        }
        ControlFlow::<()>::Continue(())
    });
}

/// A correlated scalar subquery over the catalog (`(SELECT typcollation FROM pg_type WHERE oid
/// = atttypid)`, a lookup by key that Postgres clients write) answered through `first_value`:
/// DataFusion runs a correlated scalar subquery only when it is aggregated.
fn catalog_lookups_aggregated(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{GroupByExpr, SelectItem, SetExpr};
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::Subquery(q) = e
            && let SetExpr::Select(select) = q.body.as_mut()
            && select.projection.len() == 1
            && matches!(&select.group_by, GroupByExpr::Expressions(g, _) if g.is_empty())
            && reads_only(select, |t| t.starts_with("pg_"))
            && let SelectItem::UnnamedExpr(item) | SelectItem::ExprWithAlias { expr: item, .. } =
                &mut select.projection[0]
        {
            let text = item.to_string().to_ascii_lowercase();
            let aggregated = ["count(", "max(", "min(", "sum(", "array_agg(", "bool_and(", "bool_or(", "first_value("]
                .iter()
                .any(|a| text.starts_with(a));
            if !aggregated && let Some(wrapped) = parsed_expr(&format!("first_value({item})")) {
                *item = wrapped;
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `ARRAY(SELECT x FROM …)` (psql's `\du` and `\d+`) becomes `(SELECT array_agg(x) FROM …)`,
/// a scalar subquery DataFusion runs, correlated or not. Over no row it reads NULL where
/// Postgres has `{}`; psql shows both as empty.
fn array_subqueries(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{SelectItem, SetExpr, TableFactor};
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::Function(f) = e
            && f.name.to_string().eq_ignore_ascii_case("array")
            && let FunctionArguments::Subquery(q) = &f.args
        {
            // Over a set-returning function (`unnest(tc.reloptions) x`, storage options, of
            // which no table here has any): empty.
            if let SetExpr::Select(select) = q.body.as_ref()
                && select.from.iter().any(|t| {
                    matches!(&t.relation, TableFactor::Table { args: Some(_), .. } | TableFactor::Function { .. })
                })
                && let Some(null) = parsed_expr("CAST(NULL AS TEXT[])")
            {
                *e = null;
                return ControlFlow::Continue(());
            }
            let mut q = q.clone();
            if let SetExpr::Select(select) = q.body.as_mut()
                && select.projection.len() == 1
                && let SelectItem::UnnamedExpr(item) | SelectItem::ExprWithAlias { expr: item, .. } =
                    &mut select.projection[0]
                && let Some(aggregated) = parsed_expr(&format!("array_agg({item})"))
            {
                *item = aggregated;
                *e = Expr::Subquery(q);
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `x = ANY($1)` with the array a parameter (which the Postgres parser makes
/// `array_contains($1, x)`): the parameter through [`functions::TEXT_ARRAY`], so text in
/// Postgres' array form (a driver's untyped `{r,p}`, pgcli's relation kinds) is an array too.
fn array_parameters(statement: &mut Statement) {
    let placeholder = |e: &Expr| matches!(e, Expr::Value(v) if matches!(v.value, SqlValue::Placeholder(_)));
    let wrapped = |e: &Expr| parsed_expr(&format!("{}({e})", functions::TEXT_ARRAY));
    let _ = walk::exprs_mut(statement, |e| {
        match e {
            Expr::AnyOp { right, .. } | Expr::AllOp { right, .. } if placeholder(right) => {
                if let Some(call) = wrapped(right) {
                    **right = call;
                }
            }
            Expr::Function(f)
                if ["array_contains", "array_has"]
                    .contains(&f.name.to_string().to_ascii_lowercase().trim_start_matches("pg_catalog.")) =>
            {
                if let FunctionArguments::List(l) = &mut f.args
                    && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(array))) = l.args.first_mut()
                    && placeholder(array)
                    && let Some(call) = wrapped(array)
                {
                    *array = call;
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

/// A function's argument types read as an array of types (`proargtypes::regtype[]`, pgcli's
/// function listing): the catalog holds them as text, so they read as NULL — the functions are
/// still listed, without argument types.
fn argument_type_arrays(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::DataType as SqlType;
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::Cast { expr, data_type: SqlType::Array(_), .. } = e
            && is_column(expr, &["proargtypes", "proallargtypes"])
            && let Some(null) = parsed_expr("CAST(NULL AS TEXT[])")
        {
            *e = null;
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `t::regtype::text`, a type's name (pgcli's function listing), through `format_type`: the
/// text cast of a `regtype` would otherwise keep the number.
fn type_names(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::DataType as SqlType;
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::Cast { expr, data_type: SqlType::Text | SqlType::Varchar(_), .. } = e
            && let Expr::Cast { expr: oid, data_type, .. } = expr.as_ref()
            && data_type.to_string().eq_ignore_ascii_case("regtype")
            && let Some(call) = parsed_expr(&format!("format_type({oid}, NULL)"))
        {
            *e = call;
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `col_description(rel, n)` and `obj_description(oid, …)` in a SELECT list (psql's `\d+`,
/// `\dt+`, SQLAlchemy's column comments) read `pg_description`, which holds connectql's tables
/// and columns, through a correlated lookup; named as Postgres names the call. Elsewhere they
/// read NULL.
fn descriptions_looked_up(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::Ident;
    let lookup = |f: &Function| -> Option<(String, Expr)> {
        let name = f.name.0.last()?.as_ident()?.value.to_ascii_lowercase();
        let FunctionArguments::List(list) = &f.args else { return None };
        let arg = |i: usize| match list.args.get(i) {
            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => Some(e.to_string()),
            _ => None,
        };
        let sub_id = match (name.as_str(), list.args.len()) {
            ("col_description", 2) => arg(1)?,
            ("obj_description", 1 | 2) => "0".to_owned(),
            _ => return None,
        };
        let lookup = parsed_expr(&format!(
            "(SELECT first_value(connectql_description.description) FROM pg_catalog.pg_description connectql_description \
             WHERE connectql_description.objoid = ({}) AND connectql_description.objsubid = ({sub_id}))",
            arg(0)?
        ))?;
        Some((name, lookup))
    };
    for_each_select(statement, |select| {
        for item in &mut select.projection {
            match item {
                SelectItem::UnnamedExpr(Expr::Function(f)) => {
                    if let Some((name, expr)) = lookup(f) {
                        *item = SelectItem::ExprWithAlias { expr, alias: Ident::new(name) };
                    }
                }
                SelectItem::ExprWithAlias { expr: expr @ Expr::Function(_), .. } => {
                    if let Expr::Function(f) = &*expr
                        && let Some((_, lookup)) = lookup(f)
                    {
                        *expr = lookup;
                    }
                }
                _ => {}
            }
        }
    });
}

/// Calls `f` on every SELECT of a statement, subqueries' too.
fn for_each_select(statement: &mut Statement, f: impl FnMut(&mut Select)) {
    struct Selects<F>(F);
    impl<F: FnMut(&mut Select)> VisitorMut for Selects<F> {
        type Break = ();
        fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
            (self.0)(select);
            ControlFlow::Continue(())
        }
    }
    let _ = walk::walk_mut(statement, &mut Selects(f));
}

/// Columns of Postgres' catalog that `pg_catalog` here lacks: storage options (no table here
/// has any) and access privileges (pgjdbc's `getTablePrivileges`): connectql's user may read
/// every table, and write them when the write policy allows. Named as the column in a SELECT
/// list, as clients read them by name.
fn missing_catalog_columns(statement: &mut Statement, writable: bool) {
    let privileges = if writable { "arwd" } else { "r" };
    let acl = format!("'{{{user}={privileges}/{user}}}'", user = functions::PG_USER);
    let replacement = |name: &str| match name.to_ascii_lowercase().as_str() {
        "reloptions" => Some("CAST(NULL AS TEXT[])".to_owned()),
        "relacl" | "attacl" => Some(acl.clone()),
        _ => None,
    };
    let missing = |e: &Expr| match e {
        Expr::CompoundIdentifier(parts) => parts.last().and_then(|p| replacement(&p.value).map(|r| (p.clone(), r))),
        _ => None,
    };
    for_each_select(statement, |select| {
        for item in &mut select.projection {
            if let SelectItem::UnnamedExpr(e) = item
                && let Some((name, _)) = missing(e)
            {
                *item = SelectItem::ExprWithAlias { expr: e.clone(), alias: name };
            }
        }
    });
    let _ = walk::exprs_mut(statement, |e| {
        if let Some((_, text)) = missing(e)
            && let Some(r) = parsed_expr(&text)
        {
            *e = r;
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `information_schema._pg_expandarray(a)` (pgjdbc's key and index queries), a set of
/// `(x, n)` rows, one per item of `a`: `unnest` over [`functions::EXPAND_ARRAY`].
fn expanded_arrays(statement: &mut Statement) {
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::Function(f) = e
            && f.name.0.last().is_some_and(|p| p.to_string().eq_ignore_ascii_case("_pg_expandarray"))
            && let Some(arg) = first_arg(f)
            && let Some(call) = parsed_expr(&format!("unnest({}({arg}))", functions::EXPAND_ARRAY))
        {
            *e = call;
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `(expr).field` (a composite's field, pgjdbc's `(i.keys).x`) through `get_field`: DataFusion
/// reads `.field` after a column name only.
fn field_access(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::AccessExpr;
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::CompoundFieldAccess { root, access_chain } = e
            && !access_chain.is_empty()
            && access_chain.iter().all(|a| matches!(a, AccessExpr::Dot(Expr::Identifier(_))))
        {
            let mut text = root.to_string();
            for access in access_chain.iter() {
                if let AccessExpr::Dot(Expr::Identifier(field)) = access {
                    text = format!("get_field({text}, '{}')", field.value.to_ascii_lowercase().replace('\'', "''"));
                }
            }
            if let Some(call) = parsed_expr(&text) {
                *e = call;
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `pg_settings` read as the server's settings ([`functions::SETTINGS`]): the view upstream
/// holds one of them (pgjdbc asks for `max_index_keys` before it lists foreign keys).
fn settings_table(statement: &mut Statement) {
    struct Settings;
    impl VisitorMut for Settings {
        type Break = ();
        fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, alias, args: None, .. } = t
                && name.to_string().to_ascii_lowercase().trim_start_matches("pg_catalog.") == "pg_settings"
                && let Some(TableFactor::Derived { subquery, alias: own, .. }) = settings_derived_table().clone()
            {
                let alias = alias.take().or(own);
                *t = TableFactor::Derived { lateral: false, subquery, alias, sample: None };
            }
            ControlFlow::Continue(())
        }
    }
    let _ = walk::walk_mut(statement, &mut Settings);
}

/// `(SELECT … FROM (VALUES …)) AS pg_settings`, with all of Postgres' columns: built once, as
/// the settings never change.
fn settings_derived_table() -> &'static Option<TableFactor> {
    static TABLE: std::sync::OnceLock<Option<TableFactor>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let rows: Vec<String> = functions::SETTINGS
            .iter()
            .map(|(name, value)| format!("('{name}', '{}')", value.replace('\'', "''")))
            .collect();
        let text = format!(
            "SELECT * FROM (SELECT name, setting, CAST(NULL AS TEXT) AS unit, CAST(NULL AS TEXT) AS category, \
             CAST(NULL AS TEXT) AS short_desc, CAST(NULL AS TEXT) AS extra_desc, 'internal' AS context, \
             'string' AS vartype, 'default' AS source, CAST(NULL AS TEXT) AS min_val, CAST(NULL AS TEXT) AS max_val, \
             CAST(NULL AS TEXT[]) AS enumvals, setting AS boot_val, setting AS reset_val, \
             CAST(NULL AS TEXT) AS sourcefile, CAST(NULL AS INT) AS sourceline, false AS pending_restart \
             FROM (VALUES {}) AS s(name, setting)) AS pg_settings",
            rows.join(", ")
        );
        parsed_select(&text).and_then(|s| s.from.into_iter().next()).map(|t| t.relation)
    })
}

fn parsed_select(text: &str) -> Option<Select> {
    use datafusion::sql::sqlparser::ast::SetExpr;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;
    let query = Parser::new(&PostgreSqlDialect {}).try_with_sql(text).ok()?.parse_query().ok()?;
    match *query.body {
        SetExpr::Select(s) => Some(*s),
        _ => None,
    }
}

/// Columns a SELECT list leaves unnamed and that would share a name (pgjdbc's `getProcedures`
/// selects `NULL, NULL, NULL`), each named apart: Postgres calls them all `?column?`;
/// DataFusion wants names that differ.
fn unique_column_names(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::Ident;
    for_each_select(statement, |select| {
        let texts: Vec<Option<String>> = select
            .projection
            .iter()
            .map(|i| match i {
                SelectItem::UnnamedExpr(e) if !matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) => {
                    Some(e.to_string())
                }
                _ => None,
            })
            .collect();
        let mut seen = 0;
        for (item, text) in select.projection.iter_mut().zip(&texts) {
            if let (SelectItem::UnnamedExpr(e), Some(t)) = (&*item, text)
                && texts.iter().filter(|o| o.as_deref() == Some(t.as_str())).count() > 1
            {
                seen += 1;
                let name = if seen == 1 { "?column?".to_owned() } else { format!("?column?{seen}") };
                *item = SelectItem::ExprWithAlias { expr: e.clone(), alias: Ident::with_quote('"', name) };
            }
        }
    });
}

/// `con.conkey[pos.n]`, `tmp.I_INDOPTION[k - 1]` (pgjdbc's foreign keys and index info): an
/// item of a catalog vector held as text, through [`functions::EXPAND_ARRAY`]. `int2vector`s
/// count from 0, arrays (`conkey`, `confkey`) from 1.
fn vector_subscripts(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{AccessExpr, Subscript};
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::CompoundFieldAccess { root, access_chain } = e
            && let Some((AccessExpr::Subscript(Subscript::Index { index }), path)) = access_chain.split_last()
            && path.iter().all(|a| matches!(a, AccessExpr::Dot(Expr::Identifier(_))))
        {
            // `con.conkey[i]` parses as `con` followed by `.conkey` and `[i]`.
            let mut parts = match root.as_ref() {
                Expr::Identifier(i) => vec![i.clone()],
                Expr::CompoundIdentifier(p) => p.clone(),
                _ => return ControlFlow::Continue(()),
            };
            parts.extend(path.iter().filter_map(|a| match a {
                AccessExpr::Dot(Expr::Identifier(i)) => Some(i.clone()),
                _ => None,
            }));
            let root = Expr::CompoundIdentifier(parts);
            let base = if is_column(&root, &["conkey", "confkey"]) {
                0
            } else if is_column(&root, &VECTOR_COLUMNS) || is_column(&root, &["i_indoption"]) {
                1
            } else {
                return ControlFlow::Continue(());
            };
            let text =
                format!("get_field(array_element({}({root}), ({index}) + {base}), 'x')", functions::EXPAND_ARRAY);
            if let Some(call) = parsed_expr(&text) {
                *e = call;
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `typinput = 'pg_catalog.array_in'::regproc` (pgjdbc's type cache): the catalog holds a
/// type's functions by name, so the name is compared, not the function's oid the parser
/// looked up for the cast.
fn function_names(statement: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{BinaryOperator, SetExpr};
    const FUNCTION_COLUMNS: [&str; 4] = ["typinput", "typoutput", "typreceive", "typsend"];
    let name_looked_up = |e: &Expr| -> Option<String> {
        let Expr::Subquery(q) = e else { return None };
        let SetExpr::Select(select) = q.body.as_ref() else { return None };
        if !reads_only(select, |t| t == "pg_proc") {
            return None;
        }
        let mut name = None;
        let _ = walk::exprs(&select.selection, |e| {
            if let Expr::Value(v) = e
                && let SqlValue::SingleQuotedString(s) = &v.value
            {
                name = Some(s.trim_start_matches("pg_catalog.").to_owned());
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        name
    };
    let _ = walk::exprs_mut(statement, |e| {
        if let Expr::BinaryOp { left, op: BinaryOperator::Eq | BinaryOperator::NotEq, right } = e {
            let literal = |name: String| Expr::Value(SqlValue::SingleQuotedString(name).into());
            if is_column(left, &FUNCTION_COLUMNS)
                && let Some(name) = name_looked_up(right)
            {
                **right = literal(name);
            } else if is_column(right, &FUNCTION_COLUMNS)
                && let Some(name) = name_looked_up(left)
            {
                **left = literal(name);
            }
        }
        ControlFlow::<()>::Continue(())
    });
}
