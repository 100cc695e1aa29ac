//! AWS STS for the emulator's accounts: `AssumeRole` and `GetCallerIdentity` in the AWS query
//! protocol (a form-encoded POST, an XML answer), as the real STS answers them, so aws-config's
//! own role provider (a profile's `role_arn` and `source_profile`) is what clients use against
//! the emulator (`AWS_ENDPOINT_URL_STS`).
//!
//! The credentials an AssumeRole hands out name the role's account in their access key id (a
//! 12-digit id, which the Connect side reads as the account, see `credential_scope`), and their
//! session token names the assumed role, which GetCallerIdentity reports.

use std::collections::BTreeMap;

use aws_smithy_xml::encode::{ScopeWriter, XmlWriter};
use serde::{Deserialize, Serialize};

/// The STS operations served.
pub const OPERATIONS: [&str; 2] = ["AssumeRole", "GetCallerIdentity"];

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// A role another account may assume.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Role {
    /// Accounts whose principals the role trusts.
    pub trusted: Vec<String>,
    /// The external id the trust policy requires (`sts:ExternalId`), if any.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// Roles by ARN, and the sessions handed out (session token → assumed-role ARN).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Iam {
    pub roles: BTreeMap<String, Role>,
    #[serde(default)]
    pub sessions: BTreeMap<String, String>,
}

/// An STS error, as the query protocol carries it.
#[derive(Debug)]
pub struct StsError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl StsError {
    fn sender(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        StsError { status, code, message: message.into() }
    }

    fn validation(member: &str, constraint: &str) -> Self {
        Self::sender(
            400,
            "ValidationError",
            format!("1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"),
        )
    }

    /// `<ErrorResponse>` with the request id.
    pub fn xml(&self, request_id: &str) -> String {
        let mut out = String::new();
        let mut w = XmlWriter::new(&mut out);
        let mut root = w.start_el("ErrorResponse").write_ns(NAMESPACE, None).finish();
        let mut error = root.start_el("Error").finish();
        text(&mut error, "Type", "Sender");
        text(&mut error, "Code", self.code);
        text(&mut error, "Message", &self.message);
        error.finish();
        text(&mut root, "RequestId", request_id);
        root.finish();
        out
    }
}

fn text(parent: &mut ScopeWriter, tag: &str, value: &str) {
    let mut el = parent.start_el(tag).finish();
    el.data(value);
    el.finish();
}

/// Who signed a request: its account, and the assumed role its session token names (if any).
pub struct Caller<'a> {
    pub account: &'a str,
    pub session_token: Option<&'a str>,
}

fn is_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:aws:iam::ACCOUNT:role/NAME` → (account, name).
fn role_parts(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, role) = rest.split_once(":role/")?;
    let name = role.rsplit('/').next()?;
    (is_account(account) && !name.is_empty()).then_some((account, name))
}

impl Iam {
    fn caller_arn(&self, caller: &Caller) -> String {
        caller
            .session_token
            .and_then(|t| self.sessions.get(t))
            .cloned()
            .unwrap_or_else(|| format!("arn:aws:iam::{}:user/emulator", caller.account))
    }

    /// Answers one STS request (its form parameters) with the XML body, or an error.
    ///
    /// # Errors
    /// What STS answers: an unknown action, a missing or malformed parameter, a role that does
    /// not exist or does not trust the caller (AccessDenied).
    pub fn answer(
        &mut self,
        caller: &Caller,
        params: &BTreeMap<String, String>,
        now_ms: u64,
        request_id: &str,
    ) -> Result<String, StsError> {
        match params.get("Action").map(String::as_str) {
            Some("GetCallerIdentity") => Ok(self.caller_identity(caller, request_id)),
            Some("AssumeRole") => self.assume_role(caller, params, now_ms, request_id),
            Some(other) => Err(StsError::sender(
                400,
                "InvalidAction",
                format!("Could not find operation {other} for version 2011-06-15"),
            )),
            None => Err(StsError::sender(400, "MissingAction", "Missing Action")),
        }
    }

    fn caller_identity(&self, caller: &Caller, request_id: &str) -> String {
        let arn = self.caller_arn(caller);
        let user_id = match arn.split_once(":assumed-role/") {
            Some((_, rest)) => format!("AROA{}:{}", caller.account, rest.rsplit('/').next().unwrap_or_default()),
            None => format!("AIDA{}", caller.account),
        };
        respond("GetCallerIdentity", request_id, |r| {
            text(r, "Arn", &arn);
            text(r, "UserId", &user_id);
            text(r, "Account", caller.account);
        })
    }

    fn assume_role(
        &mut self,
        caller: &Caller,
        params: &BTreeMap<String, String>,
        now_ms: u64,
        request_id: &str,
    ) -> Result<String, StsError> {
        let role_arn =
            params.get("RoleArn").ok_or_else(|| StsError::validation("roleArn", "Member must not be null"))?;
        let session = params
            .get("RoleSessionName")
            .ok_or_else(|| StsError::validation("roleSessionName", "Member must not be null"))?;
        let session_ok = (2..=64).contains(&session.len())
            && session.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !session_ok {
            return Err(StsError::validation(
                "roleSessionName",
                "Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*",
            ));
        }
        if role_arn.len() < 20 {
            return Err(StsError::validation("roleArn", "Member must have length greater than or equal to 20"));
        }
        let duration = match params.get("DurationSeconds") {
            None => 3600,
            Some(d) => d.parse::<u64>().ok().filter(|d| (900..=43_200).contains(d)).ok_or_else(|| {
                StsError::validation("durationSeconds", "Member must have value between 900 and 43200")
            })?,
        };
        let denied = || {
            StsError::sender(
                403,
                "AccessDenied",
                format!(
                    "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                    self.caller_arn(caller)
                ),
            )
        };
        let (account, name) = role_parts(role_arn).ok_or_else(denied)?;
        let role = self.roles.get(role_arn).ok_or_else(denied)?;
        let trusted = role.trusted.iter().any(|a| a == caller.account);
        if !trusted || role.external_id.as_deref().is_some_and(|x| params.get("ExternalId") != Some(&x.to_owned())) {
            return Err(denied());
        }
        let token = format!("emulator-session-{}", uuid::Uuid::new_v4());
        let assumed = format!("arn:aws:sts::{account}:assumed-role/{name}/{session}");
        self.sessions.insert(token.clone(), assumed.clone());
        let expires = aws_smithy_types::DateTime::from_millis((now_ms + duration * 1000) as i64)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap_or_default();
        Ok(respond("AssumeRole", request_id, |r| {
            let mut creds = r.start_el("Credentials").finish();
            text(&mut creds, "AccessKeyId", account);
            text(&mut creds, "SecretAccessKey", "emulator-secret");
            text(&mut creds, "SessionToken", &token);
            text(&mut creds, "Expiration", &expires);
            creds.finish();
            let mut user = r.start_el("AssumedRoleUser").finish();
            text(&mut user, "AssumedRoleId", &format!("AROA{account}:{session}"));
            text(&mut user, "Arn", &assumed);
            user.finish();
        }))
    }
}

/// `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata>`.
fn respond(action: &str, request_id: &str, result: impl FnOnce(&mut ScopeWriter)) -> String {
    let mut out = String::new();
    let mut w = XmlWriter::new(&mut out);
    let response = format!("{action}Response");
    let mut root = w.start_el(&response).write_ns(NAMESPACE, None).finish();
    let result_tag = format!("{action}Result");
    let mut r = root.start_el(&result_tag).finish();
    result(&mut r);
    r.finish();
    let mut meta = root.start_el("ResponseMetadata").finish();
    text(&mut meta, "RequestId", request_id);
    meta.finish();
    root.finish();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iam() -> Iam {
        let mut iam = Iam::default();
        iam.roles.insert(
            "arn:aws:iam::210987654321:role/Audit".into(),
            Role { trusted: vec!["123456789012".into()], external_id: None },
        );
        iam
    }

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_trusted_caller_gets_credentials_of_the_role_account_and_is_the_role_after() {
        let mut iam = iam();
        let caller = Caller { account: "123456789012", session_token: None };
        let p = params(&[
            ("Action", "AssumeRole"),
            ("RoleArn", "arn:aws:iam::210987654321:role/Audit"),
            ("RoleSessionName", "s1"),
        ]);
        let xml = iam.answer(&caller, &p, 0, "r").expect("assumed");
        assert!(xml.contains("<AccessKeyId>210987654321</AccessKeyId>"), "{xml}");
        let token = xml.split("<SessionToken>").nth(1).and_then(|t| t.split('<').next()).expect("token").to_owned();
        let me = Caller { account: "210987654321", session_token: Some(&token) };
        let who = iam.answer(&me, &params(&[("Action", "GetCallerIdentity")]), 0, "r").expect("identity");
        assert!(who.contains("<Arn>arn:aws:sts::210987654321:assumed-role/Audit/s1</Arn>"), "{who}");
    }

    #[test]
    fn an_untrusted_caller_or_an_unknown_role_is_denied() {
        let mut iam = iam();
        let other = Caller { account: "999999999999", session_token: None };
        let p = params(&[
            ("Action", "AssumeRole"),
            ("RoleArn", "arn:aws:iam::210987654321:role/Audit"),
            ("RoleSessionName", "s1"),
        ]);
        assert_eq!(iam.answer(&other, &p, 0, "r").expect_err("denied").code, "AccessDenied");
        let me = Caller { account: "123456789012", session_token: None };
        let p = params(&[
            ("Action", "AssumeRole"),
            ("RoleArn", "arn:aws:iam::210987654321:role/Nope"),
            ("RoleSessionName", "s1"),
        ]);
        let e = iam.answer(&me, &p, 0, "r").expect_err("denied");
        assert_eq!((e.status, e.code), (403, "AccessDenied"));
        assert!(e.xml("r").contains("<Code>AccessDenied</Code>"));
    }
}
