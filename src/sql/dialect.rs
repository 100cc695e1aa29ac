//! What connectql accepts beyond DataFusion's SQL, rewritten on the parsed statement before it
//! is planned: StackQL's column spellings (`InstanceArn` → `instance_arn`), JSON text for nested
//! columns, `INSERT … RETURNING`, `INSERT … ON CONFLICT (key) DO NOTHING` and StackQL's
//! `SET data__PatchDocument = '<JSON Patch>'` ([`super::patch`]).

use datafusion::sql::sqlparser::ast::{
    Assignment, AssignmentTarget, ConflictTarget, Ident, ObjectName, ObjectNamePart, OnConflictAction, OnInsert,
    SelectItem, SetExpr, Statement, TableFactor, TableObject,
};

use crate::error::{Error, Refusal};
use crate::provider::TableDef;

/// What a rewritten statement asks for beyond what DataFusion runs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Extras {
    /// `INSERT … RETURNING`: (header as typed, column of the created row).
    pub(crate) returning: Option<Vec<(String, String)>>,
    /// `INSERT … ON CONFLICT (key) DO NOTHING`: rows whose key exists are skipped, not failed.
    pub(crate) skip_existing: bool,
}

fn unsupported(message: String) -> Error {
    Error::refused(Refusal::Unsupported, message)
}

fn ident(name: &str) -> ObjectName {
    ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))])
}

/// Rewrites one statement in place (see the module doc); `table` finds connectql's tables.
///
/// # Errors
/// An unknown column, JSON that does not fit, or a form that is not supported.
pub(crate) fn rewrite<'t>(
    statement: &mut Statement,
    table: &dyn Fn(&ObjectName) -> Option<&'t TableDef>,
) -> Result<Extras, Error> {
    match statement {
        Statement::Insert(insert) => {
            let TableObject::TableName(name) = &insert.table else { return Ok(Extras::default()) };
            let Some(def) = table(name) else { return Ok(Extras::default()) };
            rewrite_insert(def, insert)
        }
        Statement::Update(update) => {
            if update.from.is_some() {
                return Err(unsupported(
                    "UPDATE … FROM is not supported: use a subquery, e.g. SET routing_profile_id = (SELECT id FROM …)"
                        .to_owned(),
                ));
            }
            let TableFactor::Table { name, .. } = &update.table.relation else { return Ok(Extras::default()) };
            let Some(def) = table(name) else { return Ok(Extras::default()) };
            // StackQL's patch document stands for the assignments of the properties it patches.
            let mut expanded = Vec::with_capacity(update.assignments.len());
            for a in std::mem::take(&mut update.assignments) {
                match &a.target {
                    AssignmentTarget::ColumnName(t) if super::patch::is_patch_document(&t.to_string()) => {
                        for (column, value) in super::patch::assignments(def, &a.value)? {
                            expanded.push(Assignment { target: AssignmentTarget::ColumnName(ident(&column)), value });
                        }
                    }
                    _ => expanded.push(a),
                }
            }
            update.assignments = expanded;
            for a in &mut update.assignments {
                let AssignmentTarget::ColumnName(target) = &mut a.target else { continue };
                let typed = target.to_string();
                let column = def.canonical_column(&typed).ok_or_else(|| {
                    Error::refused(Refusal::Column, format!("UPDATE {}: no column '{typed}'", def.qualified_name()))
                })?;
                *target = ident(column);
                if let Some(c) = def.column(column) {
                    super::literals::typed_literal(&mut a.value, &c.data_type, column)?;
                }
            }
            Ok(Extras::default())
        }
        _ => Ok(Extras::default()),
    }
}

fn rewrite_insert(def: &TableDef, insert: &mut datafusion::sql::sqlparser::ast::Insert) -> Result<Extras, Error> {
    let mut columns = Vec::new();
    for col in &mut insert.columns {
        let typed = col.to_string();
        let canonical = def.canonical_column(&typed).ok_or_else(|| {
            Error::refused(Refusal::Column, format!("INSERT into {}: no column '{typed}'", def.qualified_name()))
        })?;
        *col = ident(canonical);
        columns.push(canonical);
    }
    if let Some(source) = insert.source.as_mut() {
        let typed = |e: &mut datafusion::sql::sqlparser::ast::Expr, column: &str| match def.column(column) {
            Some(c) => super::literals::typed_literal(e, &c.data_type, column),
            None => Ok(()),
        };
        match source.body.as_mut() {
            SetExpr::Values(values) => {
                for row in &mut values.rows {
                    for (expr, column) in row.content.iter_mut().zip(&columns) {
                        typed(expr, column)?;
                    }
                }
            }
            SetExpr::Select(select) if select.from.is_empty() => {
                for (item, column) in select.projection.iter_mut().zip(&columns) {
                    if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                        typed(e, column)?;
                    }
                }
            }
            _ => {}
        }
    }
    let mut extras = Extras::default();
    match insert.on.take() {
        None => {}
        Some(OnInsert::OnConflict(c)) if c.action == OnConflictAction::DoNothing => {
            let key = def.unique_column.ok_or_else(|| {
                unsupported(format!("{} has no unique column: ON CONFLICT cannot apply", def.qualified_name()))
            })?;
            match &c.conflict_target {
                None => {}
                Some(ConflictTarget::Columns(cols))
                    if cols.len() == 1 && def.canonical_column(&cols[0].value) == Some(key) => {}
                Some(other) => {
                    return Err(unsupported(format!(
                        "ON CONFLICT {other}: the only unique column of {} is {key}; write ON CONFLICT ({key}) DO NOTHING",
                        def.qualified_name()
                    )));
                }
            }
            extras.skip_existing = true;
        }
        Some(other) => {
            return Err(unsupported(format!(
                "{other} is not supported: connectql can skip existing rows (ON CONFLICT ({}) DO NOTHING) but not update them; use UPDATE",
                def.unique_column.unwrap_or("key")
            )));
        }
    }
    if let Some(items) = insert.returning.take() {
        let mut returning = Vec::new();
        for item in items {
            let column = match &item {
                SelectItem::UnnamedExpr(datafusion::sql::sqlparser::ast::Expr::Identifier(ident)) => {
                    def.canonical_column(&ident.value).filter(|c| def.returned_columns().contains(c))
                }
                _ => None,
            };
            let Some(column) = column else {
                return Err(unsupported(format!(
                    "RETURNING {item}: a created row returns only {}",
                    def.returned_columns().join(", ")
                )));
            };
            returning.push((item.to_string(), column.to_owned()));
        }
        extras.returning = Some(returning);
    }
    Ok(extras)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::users_def;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn rewritten(sql: &str) -> Result<(String, Extras), Error> {
        let mut s = Parser::parse_sql(&GenericDialect {}, sql).expect("parses").remove(0);
        let def = users_def();
        let extras = rewrite(&mut s, &|_| Some(def))?;
        Ok((s.to_string(), extras))
    }

    #[test]
    fn stackql_spellings_map_to_columns() {
        let def = users_def();
        assert_eq!(def.canonical_column("InstanceArn"), Some("instance_arn"));
        assert_eq!(def.canonical_column("SecurityProfileArns"), Some("security_profile_arns"));
        assert_eq!(def.canonical_column("data__Identifier"), Some("data__identifier"));
        assert_eq!(def.canonical_column("nope"), None);
        let (sql, _) = rewritten("UPDATE users SET RoutingProfileId = 'r' WHERE id = 'u'").expect("update");
        assert!(sql.contains("SET routing_profile_id = 'r'"), "{sql}");
    }

    #[test]
    fn returning_and_on_conflict_are_taken_out() {
        let (sql, extras) = rewritten(
            "INSERT INTO users (Username, InstanceId) VALUES ('a', 'i') ON CONFLICT (username) DO NOTHING RETURNING UserArn, UserId",
        )
        .expect("insert");
        assert_eq!(sql, "INSERT INTO users (username, instance_id) VALUES ('a', 'i')");
        assert!(extras.skip_existing);
        assert_eq!(
            extras.returning,
            Some(vec![("UserArn".to_owned(), "user_arn".to_owned()), ("UserId".to_owned(), "user_id".to_owned())])
        );
        let err =
            rewritten("INSERT INTO users (username) VALUES ('a') ON CONFLICT (email) DO NOTHING").expect_err("key");
        assert!(err.to_string().contains("ON CONFLICT (username) DO NOTHING"), "{err}");
        let err = rewritten("INSERT INTO users (username) VALUES ('a') RETURNING email").expect_err("returning");
        assert!(err.to_string().contains("RETURNING email"), "{err}");
    }
}
