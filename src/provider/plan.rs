//! From filters, projection and limit to the calls a scan makes: which regions, which instances,
//! list or get, whether rows need the get call, which per-row extras, which page size. Pure, so
//! it is unit-tested without a network; EXPLAIN prints it.

use std::collections::BTreeSet;
use std::fmt;

use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};

use super::keys::{ConnectArn, pinned_values};
use super::table_def::{ColumnDef, Cost, IdForm, Scope, SearchDef, TableDef};
pub(crate) use crate::aws::client::AccountView;
use crate::error::Error;

/// An item named by a key filter, with the region and instance its ARN gave (if any).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ItemRef {
    pub(crate) region: Option<String>,
    pub(crate) instance_id: Option<String>,
    pub(crate) id: String,
}

/// List the container, search it, or get named items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Access {
    List,
    Get(Vec<ItemRef>),
    /// The search call returns every needed column; `criteria` holds the pushed filters, on
    /// `columns`.
    Search {
        criteria: Option<serde_json::Value>,
        columns: Vec<String>,
    },
}

/// Which instances an instance-scoped scan covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Instances {
    /// Not instance-scoped.
    NotApplicable,
    /// These instance ids.
    Named(Vec<String>),
    /// Every instance of each region (its container table's listing).
    All,
}

/// Which owning items an owned table's scan lists rows of (see [`Owner`](super::table_def::Owner)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owners {
    /// These owners' ids (a filter on the owner column).
    Named(Vec<String>),
    /// Every owner in each instance (the owning table's listing).
    All,
}

/// The calls a scan will make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanPlan {
    pub(crate) table: String,
    /// The accounts read, each with the regions read in it.
    pub(crate) accounts: Vec<AccountView>,
    /// Several accounts are configured (EXPLAIN names the ones read).
    pub(crate) several_accounts: bool,
    /// Every region read, in any account.
    pub(crate) regions: Vec<String>,
    /// No filter named the regions: the default region is read.
    pub(crate) default_region: bool,
    pub(crate) instances: Instances,
    /// For an owned table: whose rows are listed.
    pub(crate) owners: Option<Owners>,
    pub(crate) access: Access,
    /// Listed rows are completed with the get call.
    pub(crate) hydrate: bool,
    /// Per-row extra calls: (column, operation).
    pub(crate) extras: Vec<(&'static str, &'static str)>,
    /// The extras that are live state (read once per statement, never cached).
    pub(crate) live: Vec<&'static str>,
    pub(crate) page_size: i32,
    pub(crate) limit: Option<usize>,
    pub(crate) concurrency: usize,
    /// Projected column names (all when None).
    pub(crate) columns: Option<Vec<String>>,
    /// A key filter left no value at all (`id = 'a' AND id = 'b'`): no call is needed.
    pub(crate) empty: bool,
    /// What lists the instances of a region.
    pub(crate) containers_op: &'static str,
    /// What lists the owning items of an owned table.
    pub(crate) owners_op: Option<&'static str>,
}

/// The session defaults the planner falls back on.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlanDefaults {
    pub(crate) region: Option<String>,
    /// The configured accounts (none: one, with the default region).
    pub(crate) accounts: Vec<AccountView>,
    /// The list operation of the container table (what lists the instances of a region).
    pub(crate) containers_op: &'static str,
    /// The list operation of the owning table, for an owned table.
    pub(crate) owners_op: Option<&'static str>,
    pub(crate) instances: Vec<String>,
    pub(crate) concurrency: usize,
}

/// Whether a filter is answered by the scan itself (a key filter), narrowed by the search call
/// (DataFusion still checks it), or left to DataFusion.
pub(crate) fn pushdown(def: &TableDef, filter: &Expr) -> TableProviderFilterPushDown {
    match pinned_values(filter) {
        Some((column, _)) if is_key_column(def, &column) => TableProviderFilterPushDown::Exact,
        // Prunes the accounts read; the rows' own account is still checked.
        Some((column, _)) if column == "account_id" => TableProviderFilterPushDown::Inexact,
        _ if def.search.as_ref().is_some_and(|s| (s.criterion)(filter).is_some()) => {
            TableProviderFilterPushDown::Inexact
        }
        _ => TableProviderFilterPushDown::Unsupported,
    }
}

/// How a filter on each column reaches the API, in words (DESCRIBE for agents): key columns
/// narrow or replace the listing, search filters go into the search call's criteria. Columns
/// absent here are filtered by DataFusion after the calls.
pub(crate) fn filter_notes(def: &TableDef) -> Vec<(&'static str, String)> {
    use datafusion::prelude::{col, lit};
    def.columns
        .iter()
        .filter_map(|c| {
            if matches!(c.name, "region") {
                return Some((c.name, "= or IN: only those regions are read".to_owned()));
            }
            if matches!(c.name, "account_id") {
                return Some((c.name, "= or IN: only those accounts are read (with several accounts)".to_owned()));
            }
            if def.scope_columns().contains(&c.name) {
                return Some((c.name, "= or IN: only those instances are read".to_owned()));
            }
            if let Some(owner) = def.owner.filter(|o| o.column == c.name) {
                return Some((c.name, format!("= or IN: {} is called for those {} only", def.list_op, owner.table)));
            }
            if def.id_columns.iter().any(|(k, _)| *k == c.name) {
                let how =
                    def.get_op.map_or("names the items".to_owned(), |op| format!("one {op} per value, no listing"));
                return Some((c.name, format!("= or IN: {how}")));
            }
            let search = def.search.as_ref()?;
            let probes = [
                ("=", col(c.name).eq(lit("x"))),
                ("LIKE", col(c.name).like(lit("x%"))),
                ("['key'] =", datafusion::functions::core::expr_fn::get_field(col(c.name), "key").eq(lit("x"))),
            ];
            let pushed: Vec<&str> =
                probes.iter().filter(|(_, e)| (search.criterion)(e).is_some()).map(|(how, _)| *how).collect();
            (!pushed.is_empty())
                .then(|| (c.name, format!("{} sent to {} as a criterion", pushed.join(" and "), search.op)))
        })
        .collect()
}

/// The search criteria of the filters the search call can apply (AND of them).
/// The search call's criteria from the filters it can answer, and the columns they filter on.
fn search_access(def: &TableDef, filters: &[Expr]) -> Access {
    let Some(search) = def.search.as_ref() else { return Access::Search { criteria: None, columns: Vec::new() } };
    let pushed: Vec<(&Expr, serde_json::Value)> =
        filters.iter().filter_map(|f| (search.criterion)(f).map(|c| (f, c))).collect();
    let columns: BTreeSet<String> = pushed.iter().flat_map(|(f, _)| f.column_refs()).map(|c| c.name.clone()).collect();
    let criteria = SearchDef::all_of(pushed.into_iter().map(|(_, c)| c).collect());
    Access::Search { criteria, columns: columns.into_iter().collect() }
}

fn is_key_column(def: &TableDef, column: &str) -> bool {
    def.scope_columns().contains(&column)
        || def.id_columns.iter().any(|(c, _)| *c == column)
        || def.owner.is_some_and(|o| o.column == column)
}

/// Intersects what several filters allow for one column.
fn restrict(slot: &mut Option<BTreeSet<String>>, values: impl IntoIterator<Item = String>) {
    let values: BTreeSet<String> = values.into_iter().collect();
    *slot = Some(match slot.take() {
        Some(existing) => existing.intersection(&values).cloned().collect(),
        None => values,
    });
}

/// What the key filters pin: regions, instances and named items (`None` = not pinned).
#[derive(Debug, Default)]
struct Pinned {
    regions: Option<BTreeSet<String>>,
    accounts: Option<BTreeSet<String>>,
    instances: Option<BTreeSet<String>>,
    items: Option<BTreeSet<ItemRef>>,
    owners: Option<BTreeSet<String>>,
}

/// The items a key column's values name.
fn item_refs(def: &TableDef, form: IdForm, values: Vec<String>) -> Vec<ItemRef> {
    values
        .into_iter()
        .filter_map(|v| match form {
            IdForm::Id => Some(ItemRef { region: None, instance_id: None, id: v }),
            IdForm::Arn => ConnectArn::parse(&v).map(|a| {
                let (instance_id, id) = match (def.scope, a.resource_id) {
                    (Scope::Instance, Some(rid)) => (Some(a.instance_id), rid),
                    (_, _) => (None, a.instance_id),
                };
                ItemRef { region: Some(a.region), instance_id, id }
            }),
        })
        .collect()
}

impl Pinned {
    fn of(def: &TableDef, filters: &[Expr]) -> Pinned {
        let mut p = Pinned::default();
        for f in filters {
            let Some((column, values)) = pinned_values(f) else { continue };
            match column.as_str() {
                "region" => restrict(&mut p.regions, values),
                "account_id" => restrict(&mut p.accounts, values),
                "instance_id" if def.scope == Scope::Instance => restrict(&mut p.instances, values),
                "instance_arn" if def.scope == Scope::Instance => {
                    let arns: Vec<ConnectArn> = values.iter().filter_map(|v| ConnectArn::parse(v)).collect();
                    restrict(&mut p.regions, arns.iter().map(|a| a.region.clone()));
                    restrict(&mut p.accounts, arns.iter().map(|a| a.account.clone()));
                    restrict(&mut p.instances, arns.into_iter().map(|a| a.instance_id));
                }
                c if def.owner.is_some_and(|o| o.column == c) => restrict(&mut p.owners, values),
                c => {
                    let Some((_, form)) = def.id_columns.iter().find(|(k, _)| *k == c) else { continue };
                    p.name_items(item_refs(def, *form, values));
                }
            }
        }
        // ARNs of named items also tell the regions and instances to visit.
        if let Some(items) = &p.items
            && !items.is_empty()
        {
            if p.regions.is_none() && items.iter().all(|i| i.region.is_some()) {
                p.regions = Some(items.iter().filter_map(|i| i.region.clone()).collect());
            }
            if p.instances.is_none() && items.iter().all(|i| i.instance_id.is_some()) {
                p.instances = Some(items.iter().filter_map(|i| i.instance_id.clone()).collect());
            }
        }
        p
    }

    /// Intersects the named items with more; an id named two ways (id and ARN) is one item,
    /// kept in its most specific form.
    fn name_items(&mut self, refs: Vec<ItemRef>) {
        let merged: BTreeSet<ItemRef> = match self.items.take() {
            None => refs.into_iter().collect(),
            Some(existing) => existing
                .into_iter()
                .filter_map(|e| {
                    refs.iter().find(|r| r.id == e.id).map(|r| ItemRef {
                        region: e.region.clone().or_else(|| r.region.clone()),
                        instance_id: e.instance_id.clone().or_else(|| r.instance_id.clone()),
                        id: e.id.clone(),
                    })
                })
                .collect(),
        };
        self.items = Some(merged);
    }

    /// Some key filter allows no value at all.
    fn empty(&self) -> bool {
        self.regions.as_ref().is_some_and(BTreeSet::is_empty)
            || self.accounts.as_ref().is_some_and(BTreeSet::is_empty)
            || self.instances.as_ref().is_some_and(BTreeSet::is_empty)
            || self.items.as_ref().is_some_and(BTreeSet::is_empty)
            || self.owners.as_ref().is_some_and(BTreeSet::is_empty)
    }
}

/// What the projected columns need: the get call, per-row extras, and whether the search call
/// returns all of them.
fn column_needs(def: &TableDef, columns: &[&str]) -> (bool, Vec<(&'static str, &'static str)>, bool) {
    let used: Vec<_> = columns.iter().filter_map(|c| def.column(c)).collect();
    let hydrate = def.get_op.is_some() && used.iter().any(|c| c.cost == Cost::Get);
    let extras = used.iter().filter_map(|c| Some((c.name, c.extra_op()?))).collect();
    let search_covers = def.search.is_some()
        && used.iter().all(|c| match c.cost {
            Cost::Get | Cost::List => c.in_search,
            Cost::PerRow(_) => false,
            // Filled after the search, from the container's shared read.
            Cost::Key | Cost::WriteOnly | Cost::Shared(_) => true,
        });
    (hydrate, extras, search_covers)
}

/// Plans a scan.
///
/// # Errors
/// When no region is known (no `--region`, no environment, no region filter).
pub(crate) fn plan(
    def: &TableDef,
    filters: &[Expr],
    projection: Option<&[String]>,
    limit: Option<usize>,
    defaults: &PlanDefaults,
) -> Result<ScanPlan, Error> {
    let pinned = Pinned::of(def, filters);
    let default_region = pinned.regions.is_none();
    let configured = match defaults.accounts.as_slice() {
        [] => vec![AccountView { index: 0, name: "default".into(), id: None, regions: Vec::new() }],
        a => a.to_vec(),
    };
    let several_accounts = configured.len() > 1;
    let mut accounts = Vec::new();
    // An account whose id is not known yet cannot be pruned: its rows are filtered instead.
    for mut account in configured {
        if let (Some(ids), Some(id)) = (&pinned.accounts, &account.id)
            && !ids.contains(id)
        {
            continue;
        }
        account.regions = match (&pinned.regions, account.regions.is_empty(), &defaults.region) {
            (Some(r), _, _) => r.iter().cloned().collect(),
            (None, false, _) => account.regions,
            (None, true, Some(r)) => vec![r.clone()],
            (None, true, None) => {
                let whose = if several_accounts { format!(" for account {}", account.name) } else { String::new() };
                return Err(Error::Usage(format!(
                    "{}: no AWS region{whose}: pass --region, set AWS_REGION, or filter on region (WHERE region = '…')",
                    def.qualified_name()
                )));
            }
        };
        accounts.push(account);
    }
    let empty = pinned.empty() || accounts.is_empty();
    let regions: Vec<String> =
        accounts.iter().flat_map(|a| a.regions.iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect();
    if let Some(bad) = regions.iter().find(|r| !crate::aws::client::is_region_name(r)) {
        return Err(Error::Usage(format!(
            "{}: '{bad}' is not an AWS region name (such as us-east-1)",
            def.qualified_name()
        )));
    }
    let instances = match (def.scope, pinned.instances) {
        (Scope::Region, _) => Instances::NotApplicable,
        (Scope::Instance, Some(i)) => Instances::Named(i.into_iter().collect()),
        (Scope::Instance, None) if !defaults.instances.is_empty() => Instances::Named(defaults.instances.clone()),
        (Scope::Instance, None) => Instances::All,
    };
    let columns: Vec<&str> = match projection {
        Some(p) => p.iter().map(String::as_str).collect(),
        None => def.columns.iter().map(|c| c.name).collect(),
    };
    let (hydrate, extras, search_covers) = column_needs(def, &columns);
    let live: Vec<&'static str> =
        extras.iter().map(|(c, _)| *c).filter(|c| def.column(c).is_some_and(ColumnDef::is_live)).collect();
    // The search call replaces list + get when it returns every column the query needs.
    let access = match pinned.items {
        Some(i) => Access::Get(i.into_iter().collect()),
        None if hydrate && search_covers => search_access(def, filters),
        None => Access::List,
    };
    // Named items are read with the get call in their instance: the owners play no part.
    let owners = def.owner.filter(|_| access == Access::List).map(|_| match &pinned.owners {
        Some(ids) => Owners::Named(ids.iter().cloned().collect()),
        None => Owners::All,
    });
    let page_max = match (&access, &def.search) {
        (Access::Search { .. }, Some(sd)) => sd.page_max,
        _ => def.list_page_max,
    };
    let page_size = limit.map_or(page_max, |l| (l.max(1)).min(page_max as usize) as i32);
    Ok(ScanPlan {
        table: def.qualified_name(),
        accounts,
        several_accounts,
        regions,
        default_region,
        instances,
        owners,
        access,
        hydrate,
        extras,
        live,
        page_size,
        limit,
        concurrency: defaults.concurrency.max(1),
        columns: projection.map(<[String]>::to_vec),
        empty,
        containers_op: defaults.containers_op,
        owners_op: defaults.owners_op,
    })
}

impl ScanPlan {
    /// The calls, in words (EXPLAIN and `--dry-run` print this).
    pub(crate) fn calls(&self, def: &TableDef) -> String {
        if self.empty {
            return "none (the filters exclude every row)".to_owned();
        }
        let mut parts = Vec::new();
        if self.instances == Instances::All {
            parts.push(format!("{} per region", self.containers_op));
        } else if matches!(self.owners, Some(Owners::Named(_))) {
            parts.push(format!("{} per region (for the instance's ARN)", self.containers_op));
        }
        match &self.access {
            Access::Get(items) => parts.push(format!(
                "{} for {} named item(s) (concurrency {})",
                def.get_op.unwrap_or("get"),
                items.len(),
                self.concurrency
            )),
            Access::Search { criteria, .. } => {
                let op = def.search.as_ref().map_or("search", |s| s.op);
                match criteria {
                    Some(c) => {
                        parts.push(format!("{op}(MaxResults={}, SearchCriteria={c}) paged to the end", self.page_size))
                    }
                    None => parts.push(format!("{op}(MaxResults={}) paged to the end", self.page_size)),
                }
                parts.push(format!(
                    "falls back to {} + {} per row if {op} is denied",
                    def.list_op,
                    def.get_op.unwrap_or("get")
                ));
            }
            Access::List => {
                let until = if self.limit.is_some() { "until the limit" } else { "to the end" };
                let per = match (&self.owners, def.owner) {
                    (Some(Owners::All), Some(o)) => {
                        parts.push(format!("{} per instance", self.owners_op.unwrap_or("list")));
                        format!(" per row of aws.connect.{}", o.table)
                    }
                    (Some(Owners::Named(ids)), Some(o)) => {
                        format!(" for {} named row(s) of aws.connect.{}", ids.len(), o.table)
                    }
                    _ => String::new(),
                };
                parts.push(format!("{}(MaxResults={}) paged {until}{per}", def.list_op, self.page_size));
                if self.hydrate {
                    parts.push(format!("{} per row (concurrency {})", def.get_op.unwrap_or("get"), self.concurrency));
                }
            }
        }
        for (column, op) in &self.extras {
            if self.live.contains(column) {
                parts.push(format!("{op} for the whole instance, 100 rows a call, once per statement"));
            } else {
                parts.push(format!("{op} per row"));
            }
        }
        parts.join(" + ")
    }
}

impl fmt::Display for ScanPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table={}", self.table)?;
        if self.several_accounts {
            let names: Vec<&str> = self.accounts.iter().map(|a| a.name.as_str()).collect();
            write!(f, " accounts=[{}]", names.join(", "))?;
        }
        write!(f, " regions=[{}]", self.regions.join(", "))?;
        match &self.instances {
            Instances::NotApplicable => {}
            Instances::Named(i) => write!(f, " instances=[{}]", i.join(", "))?,
            Instances::All => write!(f, " instances=[all]")?,
        }
        match &self.owners {
            Some(Owners::Named(ids)) => write!(f, " owners=[{}]", ids.join(", "))?,
            Some(Owners::All) => write!(f, " owners=[all]")?,
            None => {}
        }
        if let Some(l) = self.limit {
            write!(f, " limit={l}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::users_def;
    use datafusion::prelude::{col, lit};

    fn defaults() -> PlanDefaults {
        PlanDefaults {
            region: Some("us-east-1".into()),
            accounts: vec![],
            containers_op: "ListInstances",
            owners_op: None,
            instances: vec![],
            concurrency: 8,
        }
    }

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_owner_filter_names_the_owners_and_a_lookup_by_id_skips_them() {
        let def = crate::tables::def_named("routing_profile_queues");
        let filter = col("routing_profile_id").in_list(vec![lit("b"), lit("a")], false);
        assert_eq!(pushdown(&def, &filter), TableProviderFilterPushDown::Exact);
        let p = plan(&def, &[filter], None, None, &defaults()).expect("plan");
        assert_eq!(p.owners, Some(Owners::Named(vec!["a".into(), "b".into()])));
        assert!(p.calls(&def).contains("for 2 named row(s) of aws.connect.routing_profiles"), "{}", p.calls(&def));
        let p = plan(&def, &[], None, None, &defaults()).expect("plan");
        assert_eq!(p.owners, Some(Owners::All));
        let both = [col("routing_profile_id").eq(lit("a")), col("routing_profile_id").eq(lit("b"))];
        assert!(plan(&def, &both, None, None, &defaults()).expect("plan").empty, "no owner is both");

        let def = crate::tables::def_named("user_data");
        let p = plan(&def, &[col("user_id").eq(lit("u"))], None, None, &defaults()).expect("plan");
        assert!(matches!(p.access, Access::Get(_)));
        assert_eq!(p.owners, None, "an agent's state is asked for by id, not per routing profile");
    }

    #[test]
    fn listing_columns_need_no_get_call() {
        let def = users_def().clone();
        let p = plan(&def, &[], Some(&cols(&["id", "username", "region"])), None, &defaults()).expect("plan");
        assert_eq!(p.access, Access::List);
        assert!(!p.hydrate);
        assert_eq!(p.page_size, 1000);
        assert_eq!(p.instances, Instances::All);
    }

    #[test]
    fn detail_columns_hydrate_and_extras_cost_their_call() {
        let def = users_def().clone();
        let p = plan(&def, &[], Some(&cols(&["username", "email"])), None, &defaults()).expect("plan");
        assert!(p.hydrate);
        assert!(p.extras.is_empty());
        let p = plan(&def, &[], Some(&cols(&["user_proficiencies"])), None, &defaults()).expect("plan");
        assert!(!p.hydrate);
        assert_eq!(p.extras, vec![("user_proficiencies", "ListUserProficiencies")]);
    }

    #[test]
    fn ids_and_arns_become_get_calls_in_their_instance() {
        let def = users_def().clone();
        let arn = "arn:aws:connect:eu-west-2:1:instance/i-9/agent/u-9";
        let p = plan(&def, &[col("user_arn").eq(lit(arn))], None, None, &defaults()).expect("plan");
        assert_eq!(p.regions, vec!["eu-west-2".to_owned()]);
        assert_eq!(p.instances, Instances::Named(vec!["i-9".into()]));
        assert_eq!(
            p.access,
            Access::Get(vec![ItemRef {
                region: Some("eu-west-2".into()),
                instance_id: Some("i-9".into()),
                id: "u-9".into()
            }])
        );
        let p = plan(
            &def,
            &[col("id").in_list(vec![lit("a"), lit("b")], false), col("instance_id").eq(lit("i-1"))],
            None,
            None,
            &defaults(),
        )
        .expect("plan");
        assert_eq!(p.instances, Instances::Named(vec!["i-1".into()]));
        assert!(matches!(&p.access, Access::Get(items) if items.len() == 2));
    }

    #[test]
    fn regions_come_from_filters_or_the_default() {
        let def = users_def().clone();
        let p = plan(
            &def,
            &[col("region").in_list(vec![lit("us-east-1"), lit("eu-west-2")], false)],
            None,
            None,
            &defaults(),
        )
        .expect("plan");
        assert_eq!(p.regions, vec!["eu-west-2".to_owned(), "us-east-1".to_owned()]);
        let no_region = PlanDefaults { region: None, ..defaults() };
        assert!(plan(&def, &[], None, None, &no_region).is_err());
        let p = plan(&def, &[col("region").eq(lit("a")), col("region").eq(lit("b"))], None, None, &no_region)
            .expect("plan");
        assert!(p.empty, "contradictory filters make no call");
    }

    #[test]
    fn a_filter_on_account_id_prunes_the_accounts_whose_id_is_known() {
        let def = users_def().clone();
        let account = |index: usize, name: &str, id: Option<&str>, regions: &[&str]| AccountView {
            index,
            name: name.into(),
            id: id.map(str::to_owned),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        };
        let org = PlanDefaults {
            accounts: vec![
                account(0, "prod", Some("111111111111"), &[]),
                account(1, "retail", Some("222222222222"), &["eu-west-2"]),
                account(2, "unknown", None, &[]),
            ],
            ..defaults()
        };
        let all = plan(&def, &[], None, None, &org).expect("plan");
        let read: Vec<(&str, Vec<String>)> =
            all.accounts.iter().map(|a| (a.name.as_str(), a.regions.clone())).collect();
        assert_eq!(
            read,
            [
                ("prod", vec!["us-east-1".to_owned()]),
                ("retail", vec!["eu-west-2".to_owned()]),
                ("unknown", vec!["us-east-1".to_owned()])
            ],
            "each account's own regions, else the default"
        );
        assert_eq!(all.regions, ["eu-west-2", "us-east-1"]);
        assert!(all.to_string().starts_with("table=aws.connect.users accounts=[prod, retail, unknown] regions="));
        let one = plan(&def, &[col("account_id").eq(lit("222222222222"))], None, None, &org).expect("plan");
        let names: Vec<&str> = one.accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["retail", "unknown"], "an account whose id is not known is read and filtered");
        assert_eq!(pushdown(&def, &col("account_id").eq(lit("1"))), TableProviderFilterPushDown::Inexact);
        let arn = "arn:aws:connect:us-east-1:111111111111:instance/i-1";
        let by_arn = plan(&def, &[col("instance_arn").eq(lit(arn))], None, None, &org).expect("plan");
        let names: Vec<&str> = by_arn.accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["prod", "unknown"], "an instance ARN names its account");
        assert_eq!(by_arn.regions, ["us-east-1"]);
        let none = plan(
            &def,
            &[col("account_id").eq(lit("1")), col("account_id").eq(lit("2"))],
            None,
            None,
            &PlanDefaults { accounts: org.accounts[..2].to_vec(), ..org.clone() },
        )
        .expect("plan");
        assert!(none.empty, "no account left: no call");
        assert!(!plan(&def, &[], None, None, &defaults()).expect("plan").to_string().contains("accounts="));
    }

    #[test]
    fn limit_shrinks_the_page() {
        let def = users_def().clone();
        let p = plan(&def, &[], Some(&cols(&["id"])), Some(5), &defaults()).expect("plan");
        assert_eq!(p.page_size, 5);
        assert_eq!(pushdown(&def, &col("email").eq(lit("x"))), TableProviderFilterPushDown::Unsupported);
        assert_eq!(pushdown(&def, &col("username").eq(lit("x"))), TableProviderFilterPushDown::Inexact);
        assert_eq!(pushdown(&def, &col("id").eq(lit("x"))), TableProviderFilterPushDown::Exact);
    }

    #[test]
    fn search_replaces_list_and_get_when_it_carries_every_column() {
        let def = users_def().clone();
        let filters = [col("username").like(lit("ava%")), col("email").is_not_null()];
        let p = plan(&def, &filters[..1], Some(&cols(&["username", "first_name", "phone_type"])), None, &defaults())
            .expect("plan");
        let Access::Search { criteria: Some(c), columns } = &p.access else { panic!("{:?}", p.access) };
        assert_eq!(c["StringCondition"]["ComparisonType"], "STARTS_WITH");
        assert_eq!(columns, &["username"]);
        assert_eq!(p.page_size, 500);
        let p = plan(&def, &filters, Some(&cols(&["username", "email"])), None, &defaults()).expect("plan");
        assert_eq!(p.access, Access::List, "email is not in SearchUsers' result");
        let p = plan(&def, &[], Some(&cols(&["username", "last_modified_time", "first_name"])), None, &defaults())
            .expect("plan");
        assert_eq!(p.access, Access::List, "nor is the modification stamp");
        let p = plan(&def, &[], Some(&cols(&["username", "id"])), None, &defaults()).expect("plan");
        assert_eq!(p.access, Access::List, "listing columns need no search");
    }
}
