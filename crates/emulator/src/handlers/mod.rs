//! One handler per operation: read the validated input, act on the state, answer in the model's
//! output shape. Handlers see one account's region; the dispatcher holds the lock.

pub mod hierarchy;
pub mod instances;
pub mod profiles;
pub mod routing;
pub mod search;
pub mod tags;
pub mod user_data;
pub mod users;

use serde_json::Value;

use super::errors::{ApiError, ApiResult};
use super::state::{Obj, RegionState};

/// A validated request as handlers see it.
pub struct Req<'a> {
    pub region: &'a str,
    pub account: &'a str,
    /// Wall-clock time of the request, in epoch milliseconds.
    pub now_ms: u64,
    /// Read-after-write visibility delay (eventual consistency), in milliseconds.
    pub visibility_delay_ms: u64,
    /// Every input member (labels, query string and body) by its model member name.
    pub input: Obj,
}

impl Req<'_> {
    /// A required string member (the model validation has checked it is there).
    pub fn str(&self, name: &str) -> ApiResult<&str> {
        self.opt_str(name).ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "Value null at '{name}' failed to satisfy constraint: Member must not be null"
            ))
        })
    }
    pub fn opt_str(&self, name: &str) -> Option<&str> {
        self.input.get(name).and_then(Value::as_str)
    }
    pub fn obj(&self, name: &str) -> Option<&Obj> {
        self.input.get(name).and_then(Value::as_object)
    }
    pub fn list(&self, name: &str) -> Option<&Vec<Value>> {
        self.input.get(name).and_then(Value::as_array)
    }
}

/// A handler that only reads.
pub type ReadFn = fn(&RegionState, &Req) -> ApiResult<Value>;
/// A handler that changes state.
pub type WriteFn = fn(&mut RegionState, &Req) -> ApiResult<Value>;

/// Runs a write. With a visibility delay, readers see a changed user's old settings for that
/// long, as they may on the real service (eventual consistency); the writer's own next calls
/// act on the new ones.
///
/// # Errors
/// The write's own.
pub fn write_visible_later(state: &mut RegionState, req: &Req, write: WriteFn) -> ApiResult<Value> {
    let target = if req.visibility_delay_ms > 0 { changed_user(state, req) } else { None };
    let Some((instance, user)) = target else { return write(state, req) };
    let before = state.instances.get(&instance).and_then(|i| i.users.get(&user)).map(|u| {
        let mut before = u.seen_at(req.now_ms).clone();
        before.stale = None;
        before
    });
    let out = write(state, req)?;
    if let Some(before) = before
        && let Some(u) = state.instances.get_mut(&instance).and_then(|i| i.users.get_mut(&user))
    {
        u.lag_behind(before, req.now_ms + req.visibility_delay_ms);
    }
    Ok(out)
}

/// The user a write names: (instance, user) from its members or its resource ARN.
fn changed_user(state: &RegionState, req: &Req) -> Option<(String, String)> {
    if let (Some(instance), Some(user)) = (req.opt_str("InstanceId"), req.opt_str("UserId")) {
        return Some((instance.to_owned(), user.to_owned()));
    }
    match tags::arn_parts(state, req.opt_str("resourceArn")?).ok()?.as_slice() {
        [instance, "agent", user] => Some(((*instance).to_owned(), (*user).to_owned())),
        _ => None,
    }
}

/// How an operation touches the state.
#[derive(Clone, Copy)]
pub enum Handler {
    Read(ReadFn),
    Write(WriteFn),
}

/// The `{}` body of operations without output.
pub fn empty() -> Value {
    Value::Object(Obj::new())
}
