//! Arrow types shared by table declarations, and conversions from SDK values to row JSON.

use std::sync::Arc;

use aws_sdk_connect::primitives::DateTime;
use datafusion::arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use serde_json::Value;

pub(crate) fn utf8() -> DataType {
    DataType::Utf8
}

pub(crate) fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, true)))
}

/// A struct whose fields are all nullable.
pub(crate) fn struct_of(fields: &[(&str, DataType)]) -> DataType {
    DataType::Struct(Fields::from(fields.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect::<Vec<_>>()))
}

/// `map<string, string>`, for tags.
pub(crate) fn string_map() -> DataType {
    DataType::Map(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![
                Field::new("keys", DataType::Utf8, false),
                Field::new("values", DataType::Utf8, true),
            ])),
            false,
        )),
        false,
    )
}

/// Tags as a JSON object in key order: the SDK hands them over in a `HashMap`, whose order changes
/// from run to run, and the same user must print the same way every time.
pub(crate) fn tags_json(tags: Option<&std::collections::HashMap<String, String>>) -> Value {
    tags.map_or(Value::Null, |t| {
        Value::Object(
            t.iter()
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    })
}

pub(crate) fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// A timestamp as the row JSON carries it: epoch milliseconds.
/// Epoch milliseconds, rounded to the nearest: Connect sends seconds with three decimals, which
/// the SDK reads through a float (`….359` arrives as `….358999…`), so truncating would lose one.
pub(crate) fn millis(t: Option<&DateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::from(t.secs() * 1000 + i64::from((t.subsec_nanos() + 500_000) / 1_000_000)))
}

pub(crate) fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |v| Value::String(v.to_owned()))
}

/// The row of a summary every Connect list returns: id, ARN, name and modification stamp.
pub(crate) fn named_row(
    id: Option<&str>,
    arn: Option<&str>,
    name: Option<&str>,
    modified: Option<&DateTime>,
    region: Option<&str>,
) -> serde_json::Map<String, Value> {
    let mut row = serde_json::Map::new();
    row.insert("id".into(), s(id));
    row.insert("arn".into(), s(arn));
    row.insert("name".into(), s(name));
    row.insert("last_modified_time".into(), millis(modified));
    row.insert("last_modified_region".into(), s(region));
    row
}

/// `account_id`: the AWS account an item belongs to, read from its instance's ARN.
pub(crate) fn account() -> crate::provider::ColumnDef {
    crate::provider::ColumnDef::new(
        "account_id",
        utf8(),
        crate::provider::Cost::Key,
        "AWS account of the instance (from its ARN)",
    )
}

/// `region`, `account_id`, `instance_id`, `instance_arn`: the scope columns of an
/// instance-scoped table.
pub(crate) fn instance_scope() -> Vec<crate::provider::ColumnDef> {
    use crate::provider::{ColumnDef, Cost::Key};
    vec![
        ColumnDef::new("region", utf8(), Key, "AWS region of the instance"),
        account(),
        ColumnDef::new("instance_id", utf8(), Key, "Connect instance id"),
        ColumnDef::new("instance_arn", utf8(), Key, "Connect instance ARN"),
    ]
}

/// `id`, `arn` and `name` of a listed item, with the docs of its id and ARN.
pub(crate) fn named_item(id_doc: &'static str, arn_doc: &'static str) -> Vec<crate::provider::ColumnDef> {
    use crate::provider::{ColumnDef, Cost::List};
    vec![
        ColumnDef::new("id", utf8(), List, id_doc),
        ColumnDef::new("arn", utf8(), List, arn_doc),
        ColumnDef::new("name", utf8(), List, "Name"),
    ]
}

/// `last_modified_time`, `last_modified_region`: the modification stamp every listing carries.
pub(crate) fn modified() -> Vec<crate::provider::ColumnDef> {
    use crate::provider::{ColumnDef, Cost::List};
    vec![
        ColumnDef::new("last_modified_time", timestamp(), List, "When it was last changed"),
        ColumnDef::new("last_modified_region", utf8(), List, "Region of the last change"),
    ]
}

/// One page of an instance-scoped list call (`list_users`, `list_routing_profiles`, …): the
/// instance, the page size and the token, with errors named by the operation.
macro_rules! list_page {
    ($cx:expr, $parent:expr, $call:ident, $operation:literal, $token:expr, $page_size:expr) => {
        $cx.client($parent)
            .$call()
            .instance_id($parent.instance())
            .max_results($page_size)
            .set_next_token($token)
            .send()
            .await
            .map_err(|e| $crate::aws::errors::from_sdk($operation, &e))
    };
}
pub(crate) use list_page;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_print_in_key_order_whatever_the_map_order() {
        let tags: std::collections::HashMap<String, String> =
            (0..20).map(|i| (format!("k{:02}", 19 - i), i.to_string())).collect();
        let keys: Vec<String> = tags_json(Some(&tags)).as_object().expect("object").keys().cloned().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(tags_json(None), Value::Null);
    }
}
