//! Which filters pin a key column to known values: `c = 'v'`, `'v' = c`, `c IN ('a', 'b')` and
//! ORs of those on one column. The same function decides pushdown and builds the request, so the
//! two cannot drift.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};

/// The column a filter pins, and the values it allows.
pub(crate) fn pinned_values(expr: &Expr) -> Option<(String, Vec<String>)> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Eq, right }) => {
            match (column_name(left), literal(right), column_name(right), literal(left)) {
                (Some(c), Some(v), _, _) | (_, _, Some(c), Some(v)) => Some((c, vec![v])),
                _ => None,
            }
        }
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Or, right }) => {
            let (lc, mut lv) = pinned_values(left)?;
            let (rc, rv) = pinned_values(right)?;
            (lc == rc).then(|| {
                lv.extend(rv);
                (lc, lv)
            })
        }
        Expr::InList(in_list) if !in_list.negated => {
            let c = column_name(&in_list.expr)?;
            let values: Option<Vec<String>> = in_list.list.iter().map(literal).collect();
            Some((c, values?))
        }
        _ => None,
    }
}

fn column_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Column(c) => Some(c.name.to_lowercase()),
        Expr::Cast(c) => column_name(&c.expr),
        Expr::TryCast(c) => column_name(&c.expr),
        _ => None,
    }
}

fn literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Literal(
            ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)),
            _,
        ) => Some(s.clone()),
        Expr::Cast(c) => literal(&c.expr),
        _ => None,
    }
}

/// The parts of a Connect ARN: `arn:PARTITION:connect:REGION:ACCOUNT:instance/IID[/KIND/ID]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectArn {
    pub(crate) region: String,
    pub(crate) account: String,
    pub(crate) instance_id: String,
    /// The resource id after the kind (absent for an instance ARN).
    pub(crate) resource_id: Option<String>,
}

impl ConnectArn {
    pub(crate) fn parse(arn: &str) -> Option<ConnectArn> {
        let mut parts = arn.splitn(6, ':');
        let (_arn, _partition, service, region, account, resource) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if service != "connect" {
            return None;
        }
        let segments: Vec<&str> = resource.split('/').collect();
        match segments.as_slice() {
            ["instance", iid] => Some(ConnectArn {
                region: region.to_owned(),
                account: account.to_owned(),
                instance_id: (*iid).to_owned(),
                resource_id: None,
            }),
            ["instance", iid, _kind, id] => Some(ConnectArn {
                region: region.to_owned(),
                account: account.to_owned(),
                instance_id: (*iid).to_owned(),
                resource_id: Some((*id).to_owned()),
            }),
            _ => None,
        }
    }
}

/// The instance ARN inside an item ARN (`…:instance/IID/agent/UID` → `…:instance/IID`).
pub(crate) fn instance_arn_of(item_arn: &str) -> Option<String> {
    let start = item_arn.find(":instance/")? + ":instance/".len();
    let end = item_arn[start..].find('/').map_or(item_arn.len(), |e| start + e);
    Some(item_arn[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::{col, lit};

    #[test]
    fn equality_in_lists_and_ors_pin_values() {
        assert_eq!(pinned_values(&col("id").eq(lit("a"))), Some(("id".into(), vec!["a".into()])));
        assert_eq!(pinned_values(&lit("a").eq(col("ID"))), Some(("id".into(), vec!["a".into()])));
        assert_eq!(
            pinned_values(&col("id").in_list(vec![lit("a"), lit("b")], false)),
            Some(("id".into(), vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            pinned_values(&col("id").eq(lit("a")).or(col("id").eq(lit("b")))),
            Some(("id".into(), vec!["a".into(), "b".into()]))
        );
    }

    #[test]
    fn other_shapes_pin_nothing() {
        assert_eq!(pinned_values(&col("id").eq(lit("a")).or(col("username").eq(lit("b")))), None);
        assert_eq!(pinned_values(&col("id").in_list(vec![lit("a")], true)), None);
        assert_eq!(pinned_values(&col("id").not_eq(lit("a"))), None);
        assert_eq!(pinned_values(&col("id").like(lit("a%"))), None);
        assert_eq!(pinned_values(&col("id").eq(col("arn"))), None);
    }

    #[test]
    fn arns_split_into_region_instance_and_id() {
        let a = ConnectArn::parse("arn:aws:connect:us-east-1:123456789012:instance/i-1/agent/u-1").expect("arn");
        assert_eq!(
            (a.region.as_str(), a.instance_id.as_str(), a.resource_id.as_deref()),
            ("us-east-1", "i-1", Some("u-1"))
        );
        let i = ConnectArn::parse("arn:aws:connect:eu-west-2:1:instance/i-2").expect("arn");
        assert_eq!(i.resource_id, None);
        assert!(ConnectArn::parse("arn:aws:s3:::bucket").is_none());
        assert_eq!(
            instance_arn_of("arn:aws:connect:us-east-1:1:instance/i-1/agent/u-1").as_deref(),
            Some("arn:aws:connect:us-east-1:1:instance/i-1")
        );
    }
}
