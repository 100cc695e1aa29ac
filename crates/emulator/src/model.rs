//! The Connect service model (botocore JSON), pruned to the operations the emulator serves, and
//! the request validation it drives: required members, lengths, ranges, enums and patterns come
//! from the model itself, so the emulator rejects what the real service rejects.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use regex::Regex;

use super::errors::{ApiError, ErrorKind};
use serde_json::{Map, Value};

/// The vendored subset of the official model (`tests/data/connect-2017-08-08.service-2.json.gz`)
/// with documentation stripped; `tests/it/emulator_model.rs` checks it still equals the pruned
/// official model.
pub const MODEL_SUBSET: &str = include_str!("connect-model-subset.json");

/// A parsed model: operations and shapes.
pub struct Model {
    pub operations: Map<String, Value>,
    pub shapes: Map<String, Value>,
    patterns: HashMap<String, Option<PatternCheck>>,
}

/// The compiled form of a model pattern (Java regex) that Rust's `regex` can run.
struct PatternCheck {
    /// Prefixes a `(?!…)` look-ahead forbids at the start.
    forbidden_prefixes: Vec<String>,
    regex: Option<Regex>,
    /// Password-style look-aheads, checked by hand.
    password: bool,
}

impl PatternCheck {
    fn compile(shape: &str, pattern: &str) -> Option<PatternCheck> {
        if shape == "Password" {
            return Some(PatternCheck { forbidden_prefixes: vec![], regex: None, password: true });
        }
        // The model double-escapes PhoneNumber's pattern; the service accepts E.164 numbers.
        let mut p = pattern.replace("\\\\", "\\");
        let mut forbidden_prefixes = Vec::new();
        let trimmed = p.trim_start_matches('^');
        if let Some(rest) = trimmed.strip_prefix("(?!")
            && let Some(end) = rest.find(')')
        {
            forbidden_prefixes = rest[..end].split('|').map(str::to_owned).collect();
            p = rest[end + 1..].to_owned();
        }
        let core = p.trim_start_matches('^').trim_end_matches('$');
        let regex = Regex::new(&format!("^(?:{core})$")).ok();
        if regex.is_none() {
            tracing::debug!(shape, pattern, "model pattern not supported by the regex engine; not enforced");
        }
        Some(PatternCheck { forbidden_prefixes, regex, password: false })
    }

    fn matches(&self, value: &str) -> bool {
        if self.password {
            return password_ok(value);
        }
        if self.forbidden_prefixes.iter().any(|p| value.starts_with(p.as_str())) {
            return false;
        }
        self.regex.as_ref().is_none_or(|r| r.is_match(value))
    }
}

/// `/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$/`: 8–64 non-space characters with a
/// lower-case letter, an upper-case letter and a digit.
pub fn password_ok(p: &str) -> bool {
    let n = p.chars().count();
    (8..=64).contains(&n)
        && !p.chars().any(char::is_whitespace)
        && p.chars().any(|c| c.is_ascii_lowercase())
        && p.chars().any(|c| c.is_ascii_uppercase())
        && p.chars().any(|c| c.is_ascii_digit())
}

/// The one model the process uses.
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::parse(MODEL_SUBSET).expect("vendored model subset is valid JSON"))
}

impl Model {
    pub fn parse(text: &str) -> serde_json::Result<Model> {
        let v: Value = serde_json::from_str(text)?;
        let operations = v.get("operations").and_then(Value::as_object).cloned().unwrap_or_default();
        let shapes = v.get("shapes").and_then(Value::as_object).cloned().unwrap_or_default();
        let patterns = shapes
            .iter()
            .filter_map(|(name, s)| {
                let p = s.get("pattern")?.as_str()?;
                Some((name.clone(), PatternCheck::compile(name, p)))
            })
            .collect();
        Ok(Model { operations, shapes, patterns })
    }

    pub fn shape(&self, name: &str) -> Option<&Map<String, Value>> {
        self.shapes.get(name).and_then(Value::as_object)
    }

    /// The input structure of an operation.
    pub fn input_shape(&self, op: &str) -> Option<&Map<String, Value>> {
        let name = self.operations.get(op)?.pointer("/input/shape")?.as_str()?;
        self.shape(name)
    }

    /// Whether the operation's model lists the error `code` (`InvalidRequestException`, …).
    pub fn models_error(&self, op: &str, code: &str) -> bool {
        self.operations
            .get(op)
            .and_then(|o| o.get("errors"))
            .and_then(Value::as_array)
            .is_some_and(|errors| errors.iter().any(|e| e.get("shape").and_then(Value::as_str) == Some(code)))
    }

    /// The error as the operation can answer it: a validation error the operation does not
    /// model becomes the one it does (InvalidParameterException ↔ InvalidRequestException).
    pub fn as_modeled(&self, op: &str, mut e: ApiError) -> ApiError {
        let other = match e.kind {
            ErrorKind::InvalidParameter => ErrorKind::InvalidRequest,
            ErrorKind::InvalidRequest => ErrorKind::InvalidParameter,
            _ => return e,
        };
        if !self.models_error(op, e.kind.code()) && self.models_error(op, other.code()) {
            e.kind = other;
        }
        e
    }

    /// Validates a request's input against the operation's input shape. Returns the list of
    /// violations in AWS's wording ("Value 'x' at 'username' failed to satisfy constraint: …").
    pub fn validate_input(&self, op: &str, input: &Map<String, Value>) -> Vec<String> {
        let mut errors = Vec::new();
        if let Some(name) = self.operations.get(op).and_then(|o| o.pointer("/input/shape")).and_then(Value::as_str) {
            self.validate_structure(name, input, "", &mut errors);
        }
        errors
    }

    fn validate_structure(&self, shape: &str, obj: &Map<String, Value>, path: &str, errors: &mut Vec<String>) {
        let Some(s) = self.shape(shape) else { return };
        let members = s.get("members").and_then(Value::as_object);
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            for r in required.iter().filter_map(Value::as_str) {
                if obj.get(r).is_none_or(Value::is_null) {
                    errors.push(format!(
                        "Value null at '{}' failed to satisfy constraint: Member must not be null",
                        join(path, r)
                    ));
                }
            }
        }
        let Some(members) = members else { return };
        for (name, value) in obj {
            if value.is_null() {
                continue;
            }
            // Unknown members are ignored: newer SDKs send newer members.
            let Some(member_shape) = members.get(name).and_then(|m| m.get("shape")).and_then(Value::as_str) else {
                continue;
            };
            self.validate_value(member_shape, value, &join(path, name), errors);
        }
    }

    fn validate_value(&self, shape: &str, value: &Value, path: &str, errors: &mut Vec<String>) {
        let Some(s) = self.shape(shape) else { return };
        let sensitive = s.get("sensitive").and_then(Value::as_bool).unwrap_or(false);
        let shown = |v: &Value| -> String {
            if sensitive {
                "Value".to_owned()
            } else {
                match v {
                    Value::String(s) => format!("Value '{s}'"),
                    other => format!("Value '{other}'"),
                }
            }
        };
        let min = s.get("min").and_then(Value::as_f64);
        let max = s.get("max").and_then(Value::as_f64);
        match s.get("type").and_then(Value::as_str).unwrap_or("") {
            "string" => {
                let Some(text) = value.as_str() else {
                    errors.push(format!(
                        "{} at '{path}' failed to satisfy constraint: Member must be a string",
                        shown(value)
                    ));
                    return;
                };
                let len = text.chars().count() as f64;
                if let Some(min) = min
                    && len < min
                {
                    errors.push(format!("{} at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}", shown(value)));
                }
                if let Some(max) = max
                    && len > max
                {
                    errors.push(format!("{} at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}", shown(value)));
                }
                if let Some(allowed) = s.get("enum").and_then(Value::as_array)
                    && !allowed.iter().any(|a| a.as_str() == Some(text))
                {
                    let list: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                    errors.push(format!(
                        "{} at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                        shown(value),
                        list.join(", ")
                    ));
                }
                if let Some(Some(check)) = self.patterns.get(shape)
                    && !check.matches(text)
                {
                    let pattern = s.get("pattern").and_then(Value::as_str).unwrap_or_default();
                    errors.push(format!("{} at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}", shown(value)));
                }
            }
            "integer" | "long" | "float" | "double" => {
                let Some(n) = value.as_f64() else {
                    errors.push(format!(
                        "{} at '{path}' failed to satisfy constraint: Member must be a number",
                        shown(value)
                    ));
                    return;
                };
                if let Some(min) = min
                    && n < min
                {
                    errors.push(format!("{} at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {min}", shown(value)));
                }
                if let Some(max) = max
                    && n > max
                {
                    errors.push(format!("{} at '{path}' failed to satisfy constraint: Member must have value less than or equal to {max}", shown(value)));
                }
            }
            "boolean" if !value.is_boolean() => {
                errors.push(format!(
                    "{} at '{path}' failed to satisfy constraint: Member must be a boolean",
                    shown(value)
                ));
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    errors.push(format!(
                        "{} at '{path}' failed to satisfy constraint: Member must be a list",
                        shown(value)
                    ));
                    return;
                };
                let n = items.len() as f64;
                if let Some(min) = min
                    && n < min
                {
                    errors.push(format!("Value at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}"));
                }
                if let Some(max) = max
                    && n > max
                {
                    errors.push(format!("Value at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}"));
                }
                if let Some(member) = s.get("member").and_then(|m| m.get("shape")).and_then(Value::as_str) {
                    for (i, item) in items.iter().enumerate() {
                        self.validate_value(member, item, &format!("{path}.{}.member", i + 1), errors);
                    }
                }
            }
            "map" => {
                let Some(entries) = value.as_object() else {
                    errors.push(format!(
                        "{} at '{path}' failed to satisfy constraint: Member must be a map",
                        shown(value)
                    ));
                    return;
                };
                let n = entries.len() as f64;
                if let Some(min) = min
                    && n < min
                {
                    errors.push(format!("Value at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}"));
                }
                if let Some(max) = max
                    && n > max
                {
                    errors.push(format!("Value at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}"));
                }
                let key_shape = s.get("key").and_then(|m| m.get("shape")).and_then(Value::as_str);
                let value_shape = s.get("value").and_then(|m| m.get("shape")).and_then(Value::as_str);
                for (k, v) in entries {
                    if let Some(ks) = key_shape {
                        self.validate_value(ks, &Value::String(k.clone()), &format!("{path}.key"), errors);
                    }
                    if let Some(vs) = value_shape {
                        self.validate_value(vs, v, &format!("{path}.{k}"), errors);
                    }
                }
            }
            "structure" => {
                let Some(obj) = value.as_object() else {
                    errors.push(format!(
                        "{} at '{path}' failed to satisfy constraint: Member must be a structure",
                        shown(value)
                    ));
                    return;
                };
                self.validate_structure(shape, obj, path, errors);
            }
            _ => {}
        }
    }

    /// Shapes reachable from the given operations (inputs, outputs, errors).
    pub fn reachable_shapes(full: &Value, ops: &[&str]) -> BTreeSet<String> {
        let shapes = &full["shapes"];
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = Vec::new();
        for op in ops {
            let o = &full["operations"][*op];
            for k in ["input", "output"] {
                if let Some(s) = o.pointer(&format!("/{k}/shape")).and_then(Value::as_str) {
                    stack.push(s.to_owned());
                }
            }
            for e in o.get("errors").and_then(Value::as_array).into_iter().flatten() {
                if let Some(s) = e.get("shape").and_then(Value::as_str) {
                    stack.push(s.to_owned());
                }
            }
        }
        while let Some(s) = stack.pop() {
            if !seen.insert(s.clone()) {
                continue;
            }
            let sh = &shapes[&s];
            for k in ["member", "key", "value"] {
                if let Some(n) = sh.pointer(&format!("/{k}/shape")).and_then(Value::as_str) {
                    stack.push(n.to_owned());
                }
            }
            for m in sh.get("members").and_then(Value::as_object).into_iter().flat_map(|m| m.values()) {
                if let Some(n) = m.get("shape").and_then(Value::as_str) {
                    stack.push(n.to_owned());
                }
            }
        }
        seen
    }

    /// The official model pruned to `ops` with documentation removed: what `MODEL_SUBSET` holds.
    pub fn prune(full: &Value, ops: &[&str]) -> Value {
        let strip = |v: &Value| -> Value {
            let mut v = v.clone();
            strip_docs(&mut v);
            v
        };
        let operations: BTreeMap<&str, Value> = ops.iter().map(|op| (*op, strip(&full["operations"][*op]))).collect();
        let shapes: BTreeMap<String, Value> = Self::reachable_shapes(full, ops)
            .into_iter()
            .map(|s| {
                let v = strip(&full["shapes"][&s]);
                (s, v)
            })
            .collect();
        serde_json::json!({ "metadata": strip(&full["metadata"]), "operations": operations, "shapes": shapes })
    }
}

fn strip_docs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("documentation");
            m.remove("documentationUrl");
            m.remove("deprecatedMessage");
            for x in m.values_mut() {
                strip_docs(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_docs),
        _ => {}
    }
}

/// AWS spells member paths in validation messages in lower camel case.
fn join(path: &str, member: &str) -> String {
    let mut chars = member.chars();
    let camel = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    if path.is_empty() { camel } else { format!("{path}.{camel}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules_follow_the_model_pattern() {
        assert!(password_ok("Passw0rd!"));
        assert!(!password_ok("password1"), "needs an upper-case letter");
        assert!(!password_ok("PASSWORD1"), "needs a lower-case letter");
        assert!(!password_ok("Password"), "needs a digit");
        assert!(!password_ok("Pa1"), "too short");
        assert!(!password_ok("Pass word1"), "no spaces");
    }

    #[test]
    fn validation_names_member_and_constraint() {
        let m = model();
        let mut input = Map::new();
        input.insert("InstanceId".into(), "i".into());
        input.insert("Username".into(), "x".repeat(101).into());
        input.insert("Password".into(), "weak".into());
        input.insert("RoutingProfileId".into(), "r".into());
        let errors = m.validate_input("CreateUser", &input);
        assert!(
            errors.iter().any(|e| e.contains("at 'username'") && e.contains("less than or equal to 100")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.starts_with("Value at 'password'") && e.contains("regular expression")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("'securityProfileIds'") && e.contains("must not be null")),
            "{errors:?}"
        );
        assert!(!errors.iter().any(|e| e.contains("weak")), "sensitive values are not echoed: {errors:?}");
    }

    #[test]
    fn patterns_with_lookaheads_and_model_escaping_are_enforced() {
        let m = model();
        let tag = |k: &str| {
            let mut input = Map::new();
            input.insert("resourceArn".into(), "arn".into());
            input.insert("tags".into(), serde_json::json!({ k: "v" }));
            m.validate_input("TagResource", &input)
        };
        assert!(tag("team").is_empty());
        assert!(!tag("aws:reserved").is_empty());
        let phone = |p: &str| {
            let mut input = Map::new();
            input.insert("InstanceId".into(), "i".into());
            input.insert("UserId".into(), "u".into());
            input.insert("IdentityInfo".into(), serde_json::json!({ "Mobile": p }));
            m.validate_input("UpdateUserIdentityInfo", &input)
        };
        assert!(phone("+14155550100").is_empty());
        assert!(!phone("555-0100").is_empty());
    }
}
