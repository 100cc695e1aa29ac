//! Joins on an instance carry its region: an analyzer rule adds `a.region = b.region` to a
//! join (or a filter over a join) that equates two API tables' instance columns. An instance
//! lives in one region, so no row changes; but DataFusion then carries a region filter on one
//! side over to the other, and that side is read in the right region instead of the default
//! one (where the join would silently find nothing). A join that cannot carry the region (on
//! another column) and reads one side in the default region only while the other side reads
//! other regions gets a warning naming the table and the region it read ([`region_warnings`]).

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, Result, TableReference};
use datafusion::config::ConfigOptions;
use datafusion::datasource::source_as_provider;
use datafusion::logical_expr::utils::{conjunction, split_conjunction};
use datafusion::logical_expr::{BinaryExpr, Expr, Filter, Join, LogicalPlan, Operator, TableScan};
use datafusion::optimizer::analyzer::AnalyzerRule;

use datafusion::physical_plan::ExecutionPlan;

use super::scan_exec::ApiScanExec;
use super::table::ApiTableProvider;

/// The analyzer rule (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct RegionFollowsInstance;

/// The API table scan a relation name stands for in `plan`, through aliases and filters.
fn scan_of<'a>(plan: &'a LogicalPlan, relation: &TableReference) -> Option<&'a TableScan> {
    fn base(plan: &LogicalPlan) -> Option<&TableScan> {
        match plan {
            LogicalPlan::TableScan(t) => Some(t),
            LogicalPlan::SubqueryAlias(a) => base(&a.input),
            LogicalPlan::Filter(f) => base(&f.input),
            _ => None,
        }
    }
    match plan {
        LogicalPlan::SubqueryAlias(a) if &a.alias == relation => base(&a.input),
        LogicalPlan::TableScan(t) if &t.table_name == relation => Some(t),
        other => other.inputs().into_iter().find_map(|i| scan_of(i, relation)),
    }
}

/// The region column of the relation whose instance `column` names, when it is an API table's
/// instance column.
fn region_of(column: &Column, plan: &LogicalPlan) -> Option<Column> {
    let relation = column.relation.as_ref()?;
    let scan = scan_of(plan, relation)?;
    let provider: Arc<dyn TableProvider> = source_as_provider(&scan.source).ok()?;
    let api = provider.downcast_ref::<ApiTableProvider>()?;
    let instance_column = api.instance_columns().contains(&column.name.as_str());
    let has_region = scan.projected_schema.has_column_with_unqualified_name("region") || scan.projection.is_none();
    (instance_column && has_region).then(|| Column::new(Some(relation.clone()), "region"))
}

/// `a.region = b.region` for each equality of two instance columns in the predicate that the
/// predicate does not already hold.
fn region_equalities(predicate: &Expr, plan: &LogicalPlan) -> Vec<Expr> {
    let parts = split_conjunction(predicate);
    let mut added = Vec::new();
    for p in &parts {
        let Expr::BinaryExpr(BinaryExpr { left, op: Operator::Eq, right }) = p else { continue };
        let (Expr::Column(a), Expr::Column(b)) = (left.as_ref(), right.as_ref()) else { continue };
        if a.relation == b.relation {
            continue;
        }
        let (Some(ra), Some(rb)) = (region_of(a, plan), region_of(b, plan)) else { continue };
        let eq = Expr::Column(ra).eq(Expr::Column(rb));
        if !parts.iter().any(|q| **q == eq) && !added.contains(&eq) {
            added.push(eq);
        }
    }
    added
}

impl AnalyzerRule for RegionFollowsInstance {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up(|node| match &node {
            LogicalPlan::Join(j) => {
                let on: Vec<Expr> = j.on.iter().map(|(l, r)| l.clone().eq(r.clone())).collect();
                let Some(predicate) = conjunction(on.into_iter().chain(j.filter.clone())) else {
                    return Ok(Transformed::no(node));
                };
                let extra = region_equalities(&predicate, &node);
                if extra.is_empty() {
                    return Ok(Transformed::no(node));
                }
                let filter = conjunction(j.filter.clone().into_iter().chain(extra));
                let join = Join::try_new(
                    Arc::clone(&j.left),
                    Arc::clone(&j.right),
                    j.on.clone(),
                    filter,
                    j.join_type,
                    j.join_constraint,
                    j.null_equality,
                    j.null_aware,
                )?;
                Ok(Transformed::yes(LogicalPlan::Join(join)))
            }
            LogicalPlan::Filter(f) if matches!(f.input.as_ref(), LogicalPlan::Join(_)) => {
                let extra = region_equalities(&f.predicate, &f.input);
                match conjunction(std::iter::once(f.predicate.clone()).chain(extra.iter().cloned())) {
                    Some(predicate) if !extra.is_empty() => {
                        Ok(Transformed::yes(LogicalPlan::Filter(Filter::try_new(predicate, Arc::clone(&f.input))?)))
                    }
                    _ => Ok(Transformed::no(node)),
                }
            }
            _ => Ok(Transformed::no(node)),
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "connectql_region_follows_instance"
    }
}

/// The API scans under a physical plan: (table, regions, whether the default region is read).
fn scans(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<(String, Vec<String>, bool)>) {
    if let Some(scan) = plan.downcast_ref::<ApiScanExec>() {
        let p = scan.scan_plan();
        out.push((p.table.clone(), p.regions.clone(), p.default_region));
    }
    for child in plan.children() {
        scans(child, out);
    }
}

/// Warnings for joins whose one side reads only the default region while the other reads
/// other regions: the rows of those regions find no partner.
pub(crate) fn region_warnings(plan: &Arc<dyn ExecutionPlan>) -> Vec<String> {
    let mut warnings = Vec::new();
    if plan.name().contains("Join") && plan.children().len() == 2 {
        let (mut left, mut right) = (Vec::new(), Vec::new());
        scans(plan.children()[0], &mut left);
        scans(plan.children()[1], &mut right);
        for (one, other) in [(&left, &right), (&right, &left)] {
            let pinned: Vec<&String> = other.iter().filter(|(_, _, d)| !d).flat_map(|(_, r, _)| r).collect();
            let named: Vec<&String> = other.iter().filter(|(_, _, d)| !d).map(|(t, _, _)| t).collect();
            for (table, regions, default) in one.iter().filter(|(_, _, d)| *d) {
                let missed: Vec<&String> = pinned.iter().copied().filter(|r| !regions.contains(r)).collect();
                if *default && !missed.is_empty() {
                    warnings.push(format!(
                        "{table} is read in {} only (the default region) while {} is read in {}: \
                         rows of {} find no partner in it. Filter {table} on region too, or join on the instance",
                        regions.join(", "),
                        named.first().map_or("the other side", |t| t.as_str()),
                        pinned.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
                        missed.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
                    ));
                }
            }
        }
    }
    for child in plan.children() {
        warnings.extend(region_warnings(child));
    }
    warnings.dedup();
    warnings
}
