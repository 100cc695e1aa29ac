//! StackQL's UPDATE form, `SET data__PatchDocument = '<RFC 6902 patch>'`: each operation of the
//! patch, over the resource's properties as StackQL and CloudFormation name them
//! (`/IdentityInfo`, `/IdentityInfo/FirstName`, `/PhoneConfig`, `/RoutingProfileArn`,
//! `/SecurityProfileArns`, `/HierarchyGroupArn`, `/Tags`, `/UserProficiencies`), becomes an
//! assignment of the column it names; the UPDATE then makes only the calls the difference from
//! the user's current values needs. A property that cannot be set, or is unknown, is an error
//! naming it.

use datafusion::arrow::datatypes::DataType;
use datafusion::sql::sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Value};
use serde_json::Value as Json;

use crate::error::{Error, Refusal};
use crate::provider::TableDef;
use crate::provider::table_def::{ColumnDef, Update, api_member, spelling};

/// Whether an assignment target is StackQL's patch document.
pub(crate) fn is_patch_document(column: &str) -> bool {
    spelling(column) == spelling("data__PatchDocument")
}

fn refused(message: String) -> Error {
    Error::refused(Refusal::Column, message)
}

/// The patch text: a string literal, or StackQL's `string('…')`.
fn text(value: &Expr) -> Option<String> {
    match value {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("string") => match &f.args {
            FunctionArguments::List(list) => match list.args.as_slice() {
                [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => text(e),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// A JSON value as a SQL value for a column (nested values as JSON text, which the column's
/// typed-literal rewrite turns into its type).
fn sql_value(value: &Json, t: &DataType) -> Expr {
    let v = match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => Value::Number(n.to_string(), false),
        Json::String(s) => Value::SingleQuotedString(s.clone()),
        // CloudFormation's tags are a list of {Key, Value}; the column is a map.
        Json::Array(items) if matches!(t, DataType::Map(..)) => {
            let map: serde_json::Map<String, Json> = items
                .iter()
                .filter_map(|i| Some((i.get("Key")?.as_str()?.to_owned(), i.get("Value")?.clone())))
                .collect();
            Value::SingleQuotedString(Json::Object(map).to_string())
        }
        other => Value::SingleQuotedString(other.to_string()),
    };
    Expr::Value(v.into())
}

/// The assignments a patch document stands for: (column, value).
///
/// # Errors
/// A patch that is not a JSON list of operations, an operation other than add, replace or
/// remove, or a path naming a property that is unknown or cannot be set.
pub(crate) fn assignments(def: &TableDef, value: &Expr) -> Result<Vec<(String, Expr)>, Error> {
    let patch = text(value).ok_or_else(|| refused("data__PatchDocument must be a JSON Patch text".to_owned()))?;
    let ops: Vec<Json> = serde_json::from_str(&patch)
        .map_err(|e| refused(format!("data__PatchDocument is not a JSON Patch list ({e})")))?;
    let mut out: Vec<(String, Expr)> = Vec::new();
    for op in &ops {
        let kind = op.get("op").and_then(Json::as_str).unwrap_or_default();
        let path = op.get("path").and_then(Json::as_str).unwrap_or_default();
        let value = match kind {
            "add" | "replace" => op.get("value").cloned().unwrap_or(Json::Null),
            "remove" => Json::Null,
            other => {
                return Err(Error::refused(
                    Refusal::Unsupported,
                    format!("data__PatchDocument: the '{other}' operation is not supported (add, replace, remove are)"),
                ));
            }
        };
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let settable = |property: &str| -> Result<&ColumnDef, Error> {
            let column = def.canonical_column(property).and_then(|c| def.column(c)).ok_or_else(|| {
                refused(format!(
                    "data__PatchDocument: {path}: {property} is not a property of {}",
                    def.qualified_name()
                ))
            })?;
            match column.update {
                Update::Via(_) => Ok(column),
                Update::Fixed(why) => {
                    Err(refused(format!("data__PatchDocument: {path}: {property} is read-only: {why}")))
                }
            }
        };
        match segments.as_slice() {
            [property] => {
                let c = settable(property)?;
                match (&c.data_type, &value, c.update) {
                    // An object replaced whole: each of its settable members, absent ones cleared.
                    (DataType::Struct(_), Json::Object(members), Update::Via(op)) => {
                        for flat in def.set_by(op).filter(|f| !matches!(f.data_type, DataType::Struct(_))) {
                            let v = members.get(&api_member(flat.name)).cloned().unwrap_or(Json::Null);
                            out.push((flat.name.to_owned(), sql_value(&v, &flat.data_type)));
                        }
                    }
                    _ => out.push((c.name.to_owned(), sql_value(&value, &c.data_type))),
                }
            }
            [object, field] => {
                let (p, c) = (settable(object)?, settable(field)?);
                if !matches!(p.data_type, DataType::Struct(_)) || p.update != c.update {
                    return Err(Error::refused(
                        Refusal::Unsupported,
                        format!("data__PatchDocument: {path}: only whole {object} can be set"),
                    ));
                }
                out.push((c.name.to_owned(), sql_value(&value, &c.data_type)));
            }
            _ => {
                return Err(Error::refused(
                    Refusal::Unsupported,
                    format!("data__PatchDocument: {path}: set the whole property (e.g. /{})", segments[0]),
                ));
            }
        }
    }
    Ok(out)
}
