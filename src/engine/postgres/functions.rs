//! Functions Postgres clients call on connect and when they inspect a database, which
//! `datafusion-pg-catalog` does not define (or defines as another server would answer): what
//! SQLAlchemy, psycopg, pandas, pgjdbc and pgcli need to start. They belong upstream; they are
//! here until they are there (README, "Postgres clients").

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::exec_err;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility, create_udf,
};

/// The user every Postgres client logs in as.
pub(crate) const PG_USER: &str = "connectql";

/// The Postgres version the listener reports (`server_version`, `SHOW`, `current_setting`).
pub(crate) const SERVER_VERSION: &str = concat!("16.6 (connectql ", env!("CARGO_PKG_VERSION"), ")");

/// The schemas a Postgres client's names resolve in.
pub(crate) const SEARCH_PATH: &str = "connect, pg_catalog";

/// What `version()` answers: a PostgreSQL-style string (drivers read the version from its
/// second word) that still names connectql and its engine.
pub(crate) fn version_text() -> String {
    let number = SERVER_VERSION.split(' ').next().unwrap_or_default();
    format!(
        "PostgreSQL {number} (connectql {}, Apache DataFusion {}) on {}-{}",
        env!("CARGO_PKG_VERSION"),
        datafusion::DATAFUSION_VERSION,
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

/// The oid of a built-in type by any of its Postgres names (as `pg_type` numbers them), for
/// `to_regtype`; other names are not types here.
fn type_oid(name: &str) -> Option<i32> {
    let name = name.trim().trim_start_matches("pg_catalog.").to_ascii_lowercase();
    let (base, array) = match name.strip_suffix("[]") {
        Some(b) => (b.to_owned(), true),
        None => match name.strip_prefix('_') {
            Some(b) => (b.to_owned(), true),
            None => (name, false),
        },
    };
    let (oid, array_oid) = match base.as_str() {
        "bool" | "boolean" => (16, 1000),
        "bytea" => (17, 1001),
        "char" => (18, 1002),
        "name" => (19, 1003),
        "int8" | "bigint" => (20, 1016),
        "int2" | "smallint" => (21, 1005),
        "int4" | "integer" | "int" => (23, 1007),
        "text" => (25, 1009),
        "oid" => (26, 1028),
        "json" => (114, 199),
        "float4" | "real" => (700, 1021),
        "float8" | "double precision" => (701, 1022),
        "varchar" | "character varying" => (1043, 1015),
        "date" => (1082, 1182),
        "time" | "time without time zone" => (1083, 1183),
        "timestamp" | "timestamp without time zone" => (1114, 1115),
        "timestamptz" | "timestamp with time zone" => (1184, 1185),
        "interval" => (1186, 1187),
        "numeric" | "decimal" => (1700, 1231),
        "uuid" => (2950, 2951),
        "jsonb" => (3802, 3807),
        _ => return None,
    };
    Some(if array { array_oid } else { oid })
}

/// `to_regtype(name)`: the type's oid, NULL when there is no such type (psycopg asks for
/// `hstore` on connect).
fn to_regtype() -> ScalarUDF {
    create_udf(
        "to_regtype",
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let names = ColumnarValue::values_to_arrays(args)?;
            let names = names[0].as_string::<i32>();
            let oids: Int32Array = names.iter().map(|n| n.and_then(type_oid)).collect();
            Ok(ColumnarValue::Array(Arc::new(oids) as ArrayRef))
        }),
    )
}

/// The server's settings as `pg_settings` lists them and `current_setting(name)` reads them:
/// the values this server reports at login, and the limits drivers ask for (pgjdbc reads
/// `max_index_keys` before it lists keys).
pub(super) const SETTINGS: [(&str, &str); 13] = [
    ("server_version", SERVER_VERSION),
    ("server_version_num", "160006"),
    ("standard_conforming_strings", "on"),
    ("integer_datetimes", "on"),
    ("is_superuser", "off"),
    ("search_path", SEARCH_PATH),
    ("TimeZone", "UTC"),
    ("client_encoding", "UTF8"),
    ("server_encoding", "UTF8"),
    ("DateStyle", "ISO, MDY"),
    ("IntervalStyle", "postgres"),
    ("max_identifier_length", "63"),
    ("max_index_keys", "32"),
];

/// A setting's value by its name in any case; NULL for one this server does not have.
fn setting(name: &str) -> Option<String> {
    SETTINGS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| (*v).to_owned())
}

fn current_setting() -> ScalarUDF {
    create_udf(
        "current_setting",
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let names = ColumnarValue::values_to_arrays(args)?;
            let values: StringArray = names[0].as_string::<i32>().iter().map(|n| n.and_then(setting)).collect();
            Ok(ColumnarValue::Array(Arc::new(values) as ArrayRef))
        }),
    )
}

/// `pg_get_serial_sequence(table, column)`: no column here owns a sequence.
fn pg_get_serial_sequence() -> ScalarUDF {
    create_udf(
        "pg_get_serial_sequence",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let rows = ColumnarValue::values_to_arrays(args)?.first().map_or(1, Array::len);
            Ok(ColumnarValue::Array(Arc::new(StringArray::new_null(rows)) as ArrayRef))
        }),
    )
}

/// A size in bytes as Postgres' `pg_size_pretty` writes it: bytes below 10 kB, then kB, MB, …
/// each while the number stays below 20,479 of its half units, rounded half away from zero.
fn size_text(bytes: i64) -> String {
    if bytes.unsigned_abs() < 10 * 1024 {
        return format!("{bytes} bytes");
    }
    let half_rounded = |halves: i64| (halves + halves.signum()) / 2;
    let mut halves = bytes >> 9;
    for unit in ["kB", "MB", "GB", "TB"] {
        if halves.unsigned_abs() < 20 * 1024 - 1 {
            return format!("{} {unit}", half_rounded(halves));
        }
        halves >>= 10;
    }
    format!("{} PB", half_rounded(halves))
}

/// `pg_size_pretty(bytes)` (psql's `\dt+`).
fn pg_size_pretty() -> ScalarUDF {
    create_udf(
        "pg_size_pretty",
        vec![DataType::Int64],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let sizes = datafusion::common::cast::as_int64_array(&arrays[0])?;
            let texts: StringArray = sizes.iter().map(|b| b.map(size_text)).collect();
            Ok(ColumnarValue::Array(Arc::new(texts) as ArrayRef))
        }),
    )
}

/// The name of the function `LIKE … ESCAPE 'c'` becomes (see [`like_pattern`]).
pub(crate) const LIKE_ESCAPE: &str = "connectql_like_escape";

/// A LIKE pattern written with escape character `escape`, rewritten with the backslash escape
/// DataFusion uses (`pg/_%` with `/` → `pg\_%`).
fn like_pattern(pattern: &str, escape: char) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            match chars.next() {
                Some(next @ ('%' | '_')) => {
                    out.push('\\');
                    out.push(next);
                }
                Some('\\') => out.push_str("\\\\"),
                Some(next) => out.push(next),
                None => {}
            }
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

fn like_escape() -> ScalarUDF {
    create_udf(
        LIKE_ESCAPE,
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let (patterns, escapes) = (arrays[0].as_string::<i32>(), arrays[1].as_string::<i32>());
            let mut out = Vec::with_capacity(patterns.len());
            for (p, e) in patterns.iter().zip(escapes.iter()) {
                let escape = match e.map(|e| e.chars().collect::<Vec<_>>()) {
                    Some(chars) if chars.len() == 1 => chars[0],
                    _ => return exec_err!("the ESCAPE of LIKE must be one character"),
                };
                out.push(p.map(|p| like_pattern(p, escape)));
            }
            Ok(ColumnarValue::Array(Arc::new(StringArray::from(out)) as ArrayRef))
        }),
    )
}

/// `json_build_object(key, value, …)`: a JSON object as text (SQLAlchemy's column inspection
/// builds identity and collation details with it).
#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonBuildObject {
    signature: Signature,
}

impl ScalarUDFImpl for JsonBuildObject {
    fn name(&self) -> &'static str {
        "json_build_object"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> datafusion::common::Result<ColumnarValue> {
        if !args.args.len().is_multiple_of(2) {
            return exec_err!("json_build_object takes pairs of keys and values");
        }
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let mut out = Vec::with_capacity(args.number_rows);
        for row in 0..args.number_rows {
            let mut object = serde_json::Map::new();
            for pair in arrays.chunks(2) {
                let key = datafusion::arrow::util::display::array_value_to_string(&pair[0], row)?;
                object.insert(key, json_value(&pair[1], row)?);
            }
            out.push(serde_json::Value::Object(object).to_string());
        }
        Ok(ColumnarValue::Array(Arc::new(StringArray::from(out)) as ArrayRef))
    }
}

fn json_value(array: &ArrayRef, row: usize) -> datafusion::common::Result<serde_json::Value> {
    use serde_json::Value;
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    let text = datafusion::arrow::util::display::array_value_to_string(array, row)?;
    Ok(match array.data_type() {
        DataType::Boolean => Value::Bool(text == "true"),
        t if t.is_numeric() => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        _ => Value::String(text),
    })
}

/// The function a client's array parameter passes through (`relkind = ANY($1)`, pgcli's
/// relation listing): an array stays as it is; text in Postgres' array form (`{r,p,"a b"}`,
/// what a driver sends for a parameter the server could not type) becomes a text array.
pub(crate) const TEXT_ARRAY: &str = "connectql_text_array";

#[derive(Debug, PartialEq, Eq, Hash)]
struct TextArray {
    signature: Signature,
}

impl ScalarUDFImpl for TextArray {
    fn name(&self) -> &'static str {
        TEXT_ARRAY
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(match args.first() {
            Some(t @ (DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..))) => t.clone(),
            _ => DataType::new_list(DataType::Utf8, true),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> datafusion::common::Result<ColumnarValue> {
        use datafusion::arrow::array::{ListBuilder, StringBuilder};
        let Some(arg) = args.args.into_iter().next() else {
            return exec_err!("{TEXT_ARRAY} takes one argument");
        };
        if matches!(arg.data_type(), DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)) {
            return Ok(arg);
        }
        let texts = datafusion::arrow::compute::cast(&arg.into_array(args.number_rows)?, &DataType::Utf8)?;
        let mut out = ListBuilder::new(StringBuilder::new());
        for text in texts.as_string::<i32>() {
            match text.map(array_items) {
                Some(Ok(items)) => {
                    for item in items {
                        out.values().append_option(item);
                    }
                    out.append(true);
                }
                Some(Err(e)) => return exec_err!("{e}"),
                None => out.append(false),
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

/// The items of Postgres' text form of a one-dimensional array: `{a,"b c",NULL}`.
fn array_items(text: &str) -> Result<Vec<Option<String>>, String> {
    let inner = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| format!("malformed array literal: \"{text}\" (expected {{a,b,…}})"))?;
    let (mut items, mut item, mut quoted, mut was_quoted, mut chars) =
        (Vec::new(), String::new(), false, false, inner.chars());
    if inner.trim().is_empty() {
        return Ok(items);
    }
    while let Some(c) = chars.next() {
        match c {
            '\\' => item.extend(chars.next()),
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => {
                items.push(finish(&item, was_quoted));
                (item, was_quoted) = (String::new(), false);
            }
            c => item.push(c),
        }
    }
    items.push(finish(&item, was_quoted));
    Ok(items)
}

fn finish(item: &str, quoted: bool) -> Option<String> {
    let trimmed = if quoted { item } else { item.trim() };
    (quoted || !trimmed.eq_ignore_ascii_case("null")).then(|| trimmed.to_owned())
}

/// The function `information_schema._pg_expandarray(a)` becomes (under `unnest`, pgjdbc's key
/// and index queries): the items of an array with their positions, `[{x: item, n: 1}, …]`.
/// The catalog holds its vectors as text (`indkey` `"1 2"`, `conkey` `"[2, 3]"`), read here
/// as the integers they list.
pub(crate) const EXPAND_ARRAY: &str = "connectql_expand_array";

#[derive(Debug, PartialEq, Eq, Hash)]
struct ExpandArray {
    signature: Signature,
}

impl ExpandArray {
    fn item_fields() -> datafusion::arrow::datatypes::Fields {
        use datafusion::arrow::datatypes::Field;
        vec![Field::new("x", DataType::Int32, true), Field::new("n", DataType::Int32, false)].into()
    }
}

impl ScalarUDFImpl for ExpandArray {
    fn name(&self) -> &'static str {
        EXPAND_ARRAY
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::new_list(DataType::Struct(ExpandArray::item_fields()), true))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> datafusion::common::Result<ColumnarValue> {
        use datafusion::arrow::array::{Int32Builder, ListBuilder, StructBuilder};
        let Some(arg) = args.args.into_iter().next() else {
            return exec_err!("{EXPAND_ARRAY} takes one argument");
        };
        let array = arg.into_array(args.number_rows)?;
        let mut out = ListBuilder::new(StructBuilder::from_fields(ExpandArray::item_fields(), 0));
        let mut push = |items: Option<Vec<Option<i32>>>| {
            let Some(items) = items else {
                out.append(false);
                return;
            };
            let entries = out.values();
            for (n, x) in (1..).zip(items) {
                if let Some(b) = entries.field_builder::<Int32Builder>(0) {
                    b.append_option(x);
                }
                if let Some(b) = entries.field_builder::<Int32Builder>(1) {
                    b.append_value(n);
                }
                entries.append(true);
            }
            out.append(true);
        };
        match array.data_type() {
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
                let ints = datafusion::arrow::compute::cast(&array, &DataType::new_list(DataType::Int32, true))?;
                for row in ints.as_list::<i32>().iter() {
                    push(row.map(|r| r.as_primitive::<datafusion::arrow::datatypes::Int32Type>().iter().collect()));
                }
            }
            _ => {
                let texts = datafusion::arrow::compute::cast(&array, &DataType::Utf8)?;
                for text in texts.as_string::<i32>() {
                    push(text.map(|t| integers(t).into_iter().map(Some).collect()));
                }
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

/// The integers a vector's text lists, whatever separates them (`"1 2"`, `"{1,2}"`, `"[1, 2]"`).
fn integers(text: &str) -> Vec<i32> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '-')).filter_map(|t| t.parse().ok()).collect()
}

/// A function whose answer does not depend on its arguments here: the version, the user, the
/// current schema; every object of the catalog is visible (`pg_type_is_visible`, …), and no
/// index has a definition to show.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Fixed {
    name: &'static str,
    signature: Signature,
    value: datafusion::common::ScalarValue,
}

impl Fixed {
    /// Takes any arguments, or none (`version()`, `session_user`).
    fn udf(name: &'static str, value: datafusion::common::ScalarValue) -> ScalarUDF {
        let signature = Signature::one_of(vec![TypeSignature::Nullary, TypeSignature::VariadicAny], Volatility::Stable);
        ScalarUDF::new_from_impl(Fixed { name, signature, value })
    }

    /// A function answering one text.
    fn text(name: &'static str, value: &str) -> ScalarUDF {
        Fixed::udf(name, datafusion::common::ScalarValue::Utf8(Some(value.to_owned())))
    }
}

impl ScalarUDFImpl for Fixed {
    fn name(&self) -> &'static str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(self.value.data_type())
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> datafusion::common::Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(self.value.clone()))
    }
}

/// Every function above, replacing `datafusion-pg-catalog`'s of the same name.
pub(crate) fn all() -> Vec<ScalarUDF> {
    let mut out = vec![
        Fixed::text("version", &version_text()),
        // Tables live in schema `connect`, the first of the search path.
        Fixed::text("current_schema", "connect"),
        to_regtype(),
        pg_get_serial_sequence(),
        current_setting(),
        like_escape(),
        pg_size_pretty(),
        ScalarUDF::new_from_impl(JsonBuildObject { signature: Signature::variadic_any(Volatility::Immutable) }),
        ScalarUDF::new_from_impl(TextArray { signature: Signature::any(1, Volatility::Immutable) }),
        ScalarUDF::new_from_impl(ExpandArray { signature: Signature::any(1, Volatility::Immutable) }),
        // The schemas names resolve in, the catalog's first, as Postgres answers.
        Fixed::udf(
            "current_schemas",
            datafusion::common::ScalarValue::List(datafusion::common::ScalarValue::new_list_nullable(
                &["pg_catalog", "connect"].map(|s| datafusion::common::ScalarValue::Utf8(Some(s.to_owned()))),
                &DataType::Utf8,
            )),
        ),
    ];
    for name in ["pg_collation_is_visible", "pg_type_is_visible", "pg_function_is_visible", "pg_opclass_is_visible"] {
        out.push(Fixed::udf(name, datafusion::common::ScalarValue::Boolean(Some(true))));
    }
    // Definitions and comments of objects that have none here (psql's \df, \dT, \d+).
    for name in [
        "pg_get_indexdef",
        "pg_get_function_result",
        "pg_get_function_arguments",
        "pg_get_function_identity_arguments",
        "obj_description",
        "col_description",
        "shobj_description",
    ] {
        out.push(Fixed::udf(name, datafusion::common::ScalarValue::Utf8(None)));
    }
    // Tables here store nothing on the server: their rows are Amazon Connect's (psql's \dt+).
    for name in ["pg_table_size", "pg_relation_size", "pg_total_relation_size", "pg_indexes_size"] {
        out.push(Fixed::udf(name, datafusion::common::ScalarValue::Int64(Some(0))));
    }
    for name in ["session_user", "current_user", "user"] {
        out.push(Fixed::text(name, PG_USER));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_with_another_escape_reads_the_same_with_the_backslash() {
        assert_eq!(like_pattern("pg/_%", '/'), "pg\\_%");
        assert_eq!(like_pattern("100/%", '/'), "100\\%");
        assert_eq!(like_pattern("a//b", '/'), "a/b");
        assert_eq!(like_pattern("back\\slash", '/'), "back\\\\slash");
    }

    #[test]
    fn sizes_read_as_postgres_writes_them() {
        assert_eq!(size_text(0), "0 bytes");
        assert_eq!(size_text(10_239), "10239 bytes");
        assert_eq!(size_text(10_240), "10 kB");
        assert_eq!(size_text(1_048_576 * 20), "20 MB");
        assert_eq!(size_text(-20_480), "-20 kB");
    }

    #[test]
    fn types_are_found_by_every_name() {
        assert_eq!(type_oid("integer"), Some(23));
        assert_eq!(type_oid("pg_catalog.int4"), Some(23));
        assert_eq!(type_oid("_int4"), Some(1007));
        assert_eq!(type_oid("timestamp with time zone"), Some(1184));
        assert_eq!(type_oid("hstore"), None);
    }

    #[test]
    fn the_version_reads_as_postgres_and_names_connectql() {
        let v = version_text();
        assert!(v.starts_with("PostgreSQL 16.6 (connectql "), "{v}");
    }

    #[test]
    fn a_vector_reads_as_its_integers() {
        assert_eq!(integers("1 2 10"), [1, 2, 10]);
        assert_eq!(integers("[2, 20, 3]"), [2, 20, 3]);
        assert_eq!(integers("{-1,4}"), [-1, 4]);
        assert!(integers("").is_empty());
    }

    #[test]
    fn array_text_reads_as_postgres_writes_it() {
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(array_items("{r,p,f}"), Ok(vec![some("r"), some("p"), some("f")]));
        assert_eq!(
            array_items(r#"{"a b","c,d",NULL,"NULL",e\"f}"#),
            Ok(vec![some("a b"), some("c,d"), None, some("NULL"), some("e\"f")])
        );
        assert_eq!(array_items("{}"), Ok(vec![]));
        assert!(array_items("r,p").is_err());
    }
}
