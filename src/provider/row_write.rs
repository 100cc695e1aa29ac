//! One written row, for every writable table: the calls it makes and how it ended, the values of
//! a row turned into request members, and what each call reports. A call is reported from the
//! request the SDK serialised (its operation, method and path, and its JSON body), never from a
//! second description of it, so a dry run shows by construction what the write sends: the
//! request is built and serialised, then stopped before it is signed or sent.

use std::any::type_name;
use std::future::Future;
use std::sync::{Arc, Mutex};

use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use datafusion::arrow::datatypes::DataType;
use serde_json::{Map, Value};

use super::events::{Call, RowReport, RowStatus};
use super::table_def::api_member;
use super::{Parent, Row, TableDef, WriteContext};
use crate::aws::errors::from_sdk;
use crate::aws::stats::NotSent;
use crate::error::{ApiFailure, Error, Refusal};
use crate::mask::MASK;

/// Why a row stopped: a failed call, or a value that cannot be sent.
pub(crate) enum Stop {
    Call(ApiFailure),
    Refused(Error),
}

impl From<ApiFailure> for Stop {
    fn from(e: ApiFailure) -> Self {
        Stop::Call(e)
    }
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Refused(e)
    }
}

/// A value of a row that cannot be sent, naming the column and value.
pub(crate) fn refused(message: String) -> Error {
    Error::refused(Refusal::Column, message)
}

/// Records the request one call serialised; in a dry run, stops it there (before it is signed,
/// paced or counted).
#[derive(Debug, Clone)]
pub(crate) struct Capture {
    dry_run: bool,
    /// The members whose values are secrets (`Password`), masked in what is recorded.
    secrets: Arc<Vec<String>>,
    sent: Arc<Mutex<Option<Call>>>,
}

impl Capture {
    fn taken(&self) -> Option<Call> {
        self.sent.lock().ok()?.take()
    }

    fn masked(&self, value: &mut Value) {
        match value {
            Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    if self.secrets.iter().any(|s| s == k) && !v.is_null() {
                        *v = Value::String(MASK.into());
                    } else {
                        self.masked(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.masked(v)),
            _ => {}
        }
    }
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "connectql::Capture"
    }

    fn read_after_serialization(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_owned()).unwrap_or_default();
        let mut params = request
            .body()
            .bytes()
            .filter(|b| !b.is_empty())
            .map(|b| serde_json::from_slice::<Value>(b).unwrap_or_else(|_| Value::String("(not JSON)".into())));
        if let Some(p) = params.as_mut() {
            self.masked(p);
        }
        let path = percent_encoding::percent_decode_str(request.uri()).decode_utf8_lossy().into_owned();
        let call = Call { operation, request: Some(format!("{} {path}", request.method())), params };
        if let Ok(mut sent) = self.sent.lock() {
            *sent = Some(call);
        }
        if self.dry_run {
            cfg.interceptor_state().store_put(NotSent);
            return Err("a dry run stops here".into());
        }
        Ok(())
    }
}

/// The operation an SDK output type answers (`…::ListThingsOutput` → `ListThings`), for a call
/// that failed before its request existed.
fn operation_of<T>() -> String {
    let name = type_name::<T>().rsplit("::").next().unwrap_or_default();
    name.strip_suffix("Output").unwrap_or(name).to_owned()
}

/// The calls one row makes, and what became of them.
pub(crate) struct RowWrite<'a> {
    pub(crate) cx: &'a WriteContext,
    def: &'static TableDef,
    parent: Option<Parent>,
    pub(crate) subject: String,
    calls: Vec<Call>,
}

impl<'a> RowWrite<'a> {
    pub(crate) fn new(cx: &'a WriteContext, def: &'static TableDef, parent: Option<Parent>, subject: String) -> Self {
        RowWrite { cx, def, parent, subject, calls: Vec::new() }
    }

    /// Makes one call (in a dry run, serialises it and stops): `send` gets the interceptor that
    /// records the request, to install with `.customize().interceptor(…)`.
    pub(crate) async fn call<T, E, Fut>(&mut self, send: impl FnOnce(Capture) -> Fut) -> Result<Option<T>, ApiFailure>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let secrets = self.def.columns.iter().filter(|c| c.sensitive).map(|c| api_member(c.name)).collect();
        let capture = Capture { dry_run: self.cx.dry_run(), secrets: Arc::new(secrets), sent: Arc::default() };
        let result = send(capture.clone()).await;
        let sent = capture.taken();
        let operation = sent.as_ref().map_or_else(operation_of::<T>, |c| c.operation.clone());
        match (sent, result) {
            (Some(call), _) if self.cx.dry_run() => {
                self.calls.push(call);
                Ok(None)
            }
            (Some(call), Ok(out)) => {
                self.calls.push(call);
                Ok(Some(out))
            }
            (Some(call), Err(e)) => {
                self.calls.push(call);
                Err(from_sdk(&operation, &e))
            }
            // The request could not be built (a missing or invalid member).
            (None, Err(e)) => {
                self.calls.push(Call { operation: operation.clone(), request: None, params: None });
                Err(from_sdk(&operation, &e))
            }
            (None, Ok(out)) => Ok(Some(out)),
        }
    }

    pub(crate) fn finish(self, status: RowStatus, returned: Option<Map<String, Value>>) -> RowReport {
        let status = match (status, self.calls.is_empty()) {
            (RowStatus::Done, true) => RowStatus::Unchanged,
            (s, _) => s,
        };
        RowReport { subject: self.subject, calls: self.calls, status, returned, dry_run: self.cx.dry_run() }
    }

    pub(crate) fn done(self) -> RowReport {
        self.finish(RowStatus::Done, None)
    }

    pub(crate) fn refused(self, e: Error) -> RowReport {
        self.finish(RowStatus::Failed(e), None)
    }

    pub(crate) fn failed(self, e: ApiFailure) -> RowReport {
        let e = match &self.parent {
            Some(p) => e.located(&self.def.qualified_name(), &p.region, p.instance_id.as_deref()),
            None => e,
        };
        self.finish(RowStatus::Failed(e.into()), None)
    }

    /// Ends the row on the step that stopped it.
    pub(crate) fn stopped(self, stop: Stop) -> RowReport {
        match stop {
            Stop::Call(e) => self.failed(e),
            Stop::Refused(e) => self.refused(e),
        }
    }
}

/// A value that may arrive as a JSON string (StackQL passes objects and lists as JSON text).
pub(crate) fn decoded(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::Null => None,
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => serde_json::from_str(s).ok(),
        other => Some(other.clone()),
    }
}

/// A column's value as text (numbers too); NULL and empty text are none.
pub(crate) fn text(row: &Row, column: &str) -> Option<String> {
    match row.get(column)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id at the end of an ARN (or the value itself when it is an id).
pub(crate) fn id_of(value: &str) -> String {
    value.rsplit('/').next().unwrap_or(value).to_owned()
}

/// A list of ids from its ids column or, failing that, its ARNs column (a list, its JSON text,
/// or a comma-separated text).
pub(crate) fn ids(row: &Row, ids_column: &str, arns_column: &str) -> Option<Vec<String>> {
    let list = decoded(row.get(ids_column)).or_else(|| decoded(row.get(arns_column)))?;
    match list {
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).map(id_of).collect()),
        Value::String(s) => Some(s.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()).map(id_of).collect()),
        _ => None,
    }
}

/// The columns one operation sets: its object column (a struct, e.g. `identity_info`) and its
/// flat columns with the members they stand for.
pub(crate) fn group(def: &'static TableDef, operation: &str) -> (Option<&'static str>, Vec<(&'static str, String)>) {
    let mut object = None;
    let mut flat = Vec::new();
    for c in def.set_by(operation) {
        match c.data_type {
            DataType::Struct(_) => object = Some(c.name),
            _ => flat.push((c.name, api_member(c.name))),
        }
    }
    (object, flat)
}

/// An operation's object (from its object column, struct or JSON text, over `base`) overlaid
/// with its flat columns that are present.
pub(crate) fn merged(def: &'static TableDef, base: Option<Value>, over: &Row, operation: &str) -> Map<String, Value> {
    let (object, flat) = group(def, operation);
    let mut out = match base {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if let Some(Value::Object(m)) = object.and_then(|o| decoded(over.get(o))) {
        out = m;
    }
    for (column, member) in flat {
        if let Some(v) = over.get(column) {
            out.insert(member, v.clone());
        }
    }
    out.retain(|_, v| !v.is_null());
    out
}

/// Whether a SET list touches an operation's columns.
pub(crate) fn touches(def: &TableDef, changes: &Row, operation: &str) -> bool {
    def.set_by(operation).any(|c| changes.contains_key(c.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_is_named_by_its_output_type() {
        struct ListThingsOutput;
        assert_eq!(operation_of::<ListThingsOutput>(), "ListThings");
    }

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let c = Capture { dry_run: true, secrets: Arc::new(vec!["Password".into()]), sent: Arc::default() };
        let mut v = serde_json::json!({ "Password": "Secr3t!Pass", "Nested": [{ "Password": "x" }], "Username": "u" });
        c.masked(&mut v);
        assert_eq!(v, serde_json::json!({ "Password": MASK, "Nested": [{ "Password": MASK }], "Username": "u" }));
    }

    #[test]
    fn column_groups_come_from_the_declaration() {
        let def = crate::tables::users_def();
        let (object, flat) = group(def, "UpdateUserIdentityInfo");
        assert_eq!(object, Some("identity_info"));
        let members: Vec<&str> = flat.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(members, ["FirstName", "LastName", "Email", "SecondaryEmail", "Mobile"]);
        let (object, flat) = group(def, "UpdateUserPhoneConfig");
        assert_eq!(object, Some("phone_config"));
        assert!(flat.iter().any(|(c, m)| *c == "after_contact_work_time_limit" && m == "AfterContactWorkTimeLimit"));
    }
}
