//! NextToken / MaxResults for list operations: opaque tokens that are unique per page and absent
//! on the last page, as the SDK's paginators expect.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde_json::Value;

use super::errors::{ApiError, ApiResult};
use super::state::Obj;

/// Encodes the key after which the next page starts.
pub fn encode_token(after: &str) -> String {
    let hex: String = after.bytes().map(|b| format!("{b:02x}")).collect();
    format!("v1.{hex}")
}

pub fn decode_token(token: &str) -> ApiResult<String> {
    let bad = || ApiError::invalid_parameter(format!("The nextToken '{token}' is not valid."));
    let hex = token.strip_prefix("v1.").ok_or_else(bad)?;
    if hex.len() % 2 != 0 {
        return Err(bad());
    }
    let bytes: Result<Vec<u8>, _> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16)).collect();
    String::from_utf8(bytes.map_err(|_| bad())?).map_err(|_| bad())
}

/// One page of `items` (in key order) that pass `keep`, after the input's `NextToken`, at most
/// the input's `MaxResults` (or `default_max`).
pub fn page<'a, V>(
    items: &'a BTreeMap<String, V>,
    input: &Obj,
    default_max: usize,
    keep: impl Fn(&V) -> bool,
) -> ApiResult<(Vec<&'a V>, Option<String>)> {
    let max = input.get("MaxResults").and_then(Value::as_u64).map_or(default_max, |m| m as usize);
    let start = match input.get("NextToken").and_then(Value::as_str) {
        Some(t) => Bound::Excluded(decode_token(t)?),
        None => Bound::Unbounded,
    };
    let mut out = Vec::with_capacity(max.min(1024));
    let mut last_key = None;
    let mut more = false;
    for (k, v) in items.range((start, Bound::Unbounded)).filter(|(_, v)| keep(v)) {
        if out.len() == max {
            more = true;
            break;
        }
        out.push(v);
        last_key = Some(k);
    }
    let next = if more { last_key.map(|k| encode_token(k)) } else { None };
    Ok((out, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_item_once_and_the_last_has_no_token() {
        let items: BTreeMap<String, u32> = (0..25).map(|i| (format!("k{i:03}"), i)).collect();
        let mut input = Obj::new();
        input.insert("MaxResults".into(), 10.into());
        let mut seen = Vec::new();
        loop {
            let (page, next) = page(&items, &input, 100, |_| true).expect("page");
            seen.extend(page.into_iter().copied());
            match next {
                Some(t) => {
                    input.insert("NextToken".into(), t.into());
                }
                None => break,
            }
        }
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn a_forged_token_is_rejected() {
        let items: BTreeMap<String, u32> = BTreeMap::new();
        let mut input = Obj::new();
        input.insert("NextToken".into(), "garbage".into());
        let err = page(&items, &input, 10, |_| true).expect_err("bad token");
        assert_eq!(err.kind, super::super::errors::ErrorKind::InvalidParameter);
    }
}
