//! The write guards on the plan DataFusion will run, installed in every context that holds the
//! tables, so they hold for any caller of that context, not only the engine's door:
//! - [`DmlShape`] (an analyzer rule) refuses UPDATE and DELETE whose input has a `LIMIT`
//!   (DataFusion would change every matching row, apache/datafusion#24998), a join
//!   (`UPDATE … FROM`) or a subquery (its filter would never reach the table's hook,
//!   apache/datafusion#24654);
//! - [`EmptyTargets`] (an optimizer rule, last) turns an UPDATE or DELETE whose WHERE clause was
//!   folded to an empty relation (`WHERE false`, `= NULL`, an empty `IN (…)`) into a count of
//!   zero, so it never reaches the hook as "no filter".
//!
//! The table's hooks add the rest: no unqualified UPDATE or DELETE, the write policy.

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::dml::WriteOp;
use datafusion::logical_expr::{EmptyRelation, Expr, LogicalPlan, Projection, lit};
use datafusion::optimizer::analyzer::AnalyzerRule;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};
use std::sync::Arc;

use crate::error::{Error, Refusal};

fn is_change(op: &WriteOp) -> bool {
    matches!(op, WriteOp::Delete | WriteOp::Update)
}

/// What in an UPDATE or DELETE input connectql cannot run faithfully.
fn unsupported_shape(verb: &str, input: &LogicalPlan) -> Option<String> {
    let mut found = None;
    let _ = input.apply(|node| {
        found = match node {
            LogicalPlan::Limit(_) => Some(format!(
                "{verb} … LIMIT is not supported: DataFusion would change every matching row. Narrow the WHERE clause instead"
            )),
            LogicalPlan::Join(_) => Some(format!(
                "{verb} with a join (UPDATE … FROM, DELETE … USING) is not supported: use a subquery, e.g. SET routing_profile_id = (SELECT id FROM …)"
            )),
            LogicalPlan::Subquery(_) | LogicalPlan::SubqueryAlias(_) => None,
            other => other
                .expressions()
                .iter()
                .any(|e| {
                    e.exists(|x| Ok(matches!(x, Expr::InSubquery(_) | Expr::Exists(_) | Expr::ScalarSubquery(_))))
                        .unwrap_or(false)
                })
                .then(|| {
                    format!(
                        "{verb} with a subquery must run through connectql's engine, which runs the subquery first"
                    )
                }),
        };
        Ok(if found.is_some() { TreeNodeRecursion::Stop } else { TreeNodeRecursion::Continue })
    });
    found
}

/// Refuses UPDATE and DELETE forms whose meaning would not reach the table (see module doc).
#[derive(Debug, Default)]
pub(crate) struct DmlShape;

impl AnalyzerRule for DmlShape {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let mut refusal = None;
        plan.apply(|node| {
            if let LogicalPlan::Dml(dml) = node
                && is_change(&dml.op)
            {
                refusal = unsupported_shape(&dml.op.name().to_uppercase(), &dml.input);
            }
            Ok(if refusal.is_some() { TreeNodeRecursion::Stop } else { TreeNodeRecursion::Continue })
        })?;
        match refusal {
            Some(message) => Err(Error::refused(Refusal::Unsupported, message).into()),
            None => Ok(plan),
        }
    }

    fn name(&self) -> &str {
        "connectql_dml_shape"
    }
}

/// Whether an UPDATE or DELETE input can only produce no rows.
fn empty_input(input: &LogicalPlan) -> bool {
    let mut scans = false;
    let mut empty = false;
    let _ = input.apply(|node| {
        match node {
            LogicalPlan::TableScan(_) => scans = true,
            LogicalPlan::EmptyRelation(EmptyRelation { produce_one_row: false, .. }) => empty = true,
            _ => {}
        }
        Ok(TreeNodeRecursion::Continue)
    });
    empty && !scans
}

/// A plan that yields the DML count row with zero.
fn zero_count() -> Result<LogicalPlan> {
    let one_row =
        LogicalPlan::EmptyRelation(EmptyRelation { produce_one_row: true, schema: Arc::new(DFSchema::empty()) });
    Ok(LogicalPlan::Projection(Projection::try_new(
        vec![lit(ScalarValue::UInt64(Some(0))).alias("count")],
        Arc::new(one_row),
    )?))
}

/// Makes an UPDATE or DELETE with no possible target a count of zero (see module doc).
#[derive(Debug, Default)]
pub(crate) struct EmptyTargets;

impl OptimizerRule for EmptyTargets {
    fn name(&self) -> &str {
        "connectql_empty_targets"
    }

    fn rewrite(&self, plan: LogicalPlan, _config: &dyn OptimizerConfig) -> Result<Transformed<LogicalPlan>> {
        plan.transform_down(|node| match &node {
            LogicalPlan::Dml(dml) if is_change(&dml.op) && empty_input(&dml.input) => {
                Ok(Transformed::new(zero_count()?, true, TreeNodeRecursion::Jump))
            }
            _ => Ok(Transformed::no(node)),
        })
    }
}
