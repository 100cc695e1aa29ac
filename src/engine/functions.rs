//! Functions connectql adds: `api_calls()` returns the API calls of the previous statement
//! (operation, calls, attempts, throttled, failed, and `cached`: calls the local cache saved), so scripts and `.slt` files can pin what a
//! query cost; `connectql_assert(condition, message)` fails the statement with the message
//! unless the condition holds (scripts use it to fail loudly).

use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{Result, plan_err};
use datafusion::datasource::MemTable;

use crate::aws::stats::StatsSnapshot;

/// The stats of the last finished statement, shared with the engine.
pub(crate) type LastStats = Arc<Mutex<StatsSnapshot>>;

/// `api_calls()`.
#[derive(Debug)]
pub(crate) struct ApiCalls(pub(crate) LastStats);

impl TableFunctionImpl for ApiCalls {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        if !args.exprs().is_empty() {
            return plan_err!("api_calls() takes no arguments");
        }
        let stats = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let schema = Arc::new(Schema::new(vec![
            Field::new("operation", DataType::Utf8, false),
            Field::new("calls", DataType::UInt64, false),
            Field::new("attempts", DataType::UInt64, false),
            Field::new("throttled", DataType::UInt64, false),
            Field::new("failed", DataType::UInt64, false),
            Field::new("cached", DataType::UInt64, false),
        ]));
        let ops: Vec<(&String, _)> = stats.ops.iter().collect();
        let column = |f: fn(&crate::aws::stats::OpStats) -> u64| -> ArrayRef {
            Arc::new(UInt64Array::from(ops.iter().map(|(_, s)| f(s)).collect::<Vec<_>>()))
        };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(ops.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())),
            column(|s| s.calls),
            column(|s| s.attempts),
            column(|s| s.throttled),
            column(|s| s.failed),
            column(|s| s.cached),
        ];
        let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
        Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
    }
}

/// `connectql_assert(condition, message)`: true, or an error with the message.
pub(crate) fn assert_udf() -> datafusion::logical_expr::ScalarUDF {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::common::exec_err;
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    create_udf(
        "connectql_assert",
        vec![DataType::Boolean, DataType::Utf8],
        DataType::Boolean,
        Volatility::Volatile,
        Arc::new(|args: &[ColumnarValue]| {
            let n = args.iter().find_map(|a| match a {
                ColumnarValue::Array(a) => Some(a.len()),
                ColumnarValue::Scalar(_) => None,
            });
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let (conditions, messages) = (arrays[0].as_boolean(), arrays[1].as_string::<i32>());
            for i in 0..conditions.len() {
                if conditions.is_null(i) || !conditions.value(i) {
                    let message = if messages.is_null(i) { "assertion failed" } else { messages.value(i) };
                    return exec_err!("{message}");
                }
            }
            let out = datafusion::arrow::array::BooleanArray::from(vec![true; conditions.len()]);
            Ok(match n {
                Some(_) => ColumnarValue::Array(Arc::new(out)),
                None => ColumnarValue::Scalar(datafusion::common::ScalarValue::Boolean(Some(true))),
            })
        }),
    )
}
