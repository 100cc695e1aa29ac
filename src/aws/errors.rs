//! SDK errors as typed failures: the operation, the service's error code, HTTP status and own
//! message, or what kind of failure kept the call from an answer (timeout, connection,
//! credentials). The SDK's own error text is never passed on: its chain can hold the whole
//! request, body and password included, so messages are written from typed fields only.

use std::error::Error as StdError;

use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::ConnectorError;

use crate::error::{ApiFailure, Cause};

/// What a failure without a service answer was, from the error chain's types.
fn describe_chain(source: Option<&(dyn StdError + 'static)>) -> Option<(Cause, String)> {
    let mut next = source;
    while let Some(e) = next {
        if let Some(c) = e.downcast_ref::<aws_credential_types::provider::error::CredentialsError>() {
            if let Some(refusal) = role_refusal(c.source()) {
                return Some((
                    Cause::Credentials,
                    format!(
                        "the profile's role could not be assumed ({refusal}): check its role_arn, source_profile and external_id, and that the role trusts the source account"
                    ),
                ));
            }
            let detail = match c {
                aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_) => {
                    "no AWS credentials found".to_owned()
                }
                other => format!("the AWS credentials could not be loaded ({})", kind_of_credentials_error(other)),
            };
            return Some((
                Cause::Credentials,
                format!(
                    "{detail}: run `aws configure` (or `aws sso login`), pass --profile NAME, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or try --demo"
                ),
            ));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some((Cause::Connection, format!("cannot reach the Connect endpoint ({})", io.kind())));
        }
        if e.downcast_ref::<aws_smithy_runtime_api::client::endpoint::error::ResolveEndpointError>().is_some() {
            return Some((
                Cause::Client,
                "the endpoint URL cannot be used (it needs a scheme and a host, e.g. https://connect.us-east-1.amazonaws.com)"
                    .to_owned(),
            ));
        }
        next = e.source();
    }
    None
}

/// Why STS refused to let a role be assumed: its error code and message (typed fields of the
/// AssumeRole error, which name the caller and the role, nothing secret).
fn role_refusal(mut next: Option<&(dyn StdError + 'static)>) -> Option<String> {
    while let Some(e) = next {
        if let Some(a) = e.downcast_ref::<aws_sdk_sts::operation::assume_role::AssumeRoleError>() {
            use aws_sdk_sts::error::ProvideErrorMetadata as _;
            return Some(format!(
                "STS AssumeRole: {}: {}",
                a.code().unwrap_or("error"),
                a.message().unwrap_or_default()
            ));
        }
        next = e.source();
    }
    None
}

fn kind_of_credentials_error(e: &aws_credential_types::provider::error::CredentialsError) -> &'static str {
    use aws_credential_types::provider::error::CredentialsError as C;
    match e {
        C::CredentialsNotLoaded(_) => "not loaded",
        C::ProviderTimedOut(_) => "the provider timed out",
        C::InvalidConfiguration(_) => "invalid configuration",
        C::ProviderError(_) => "the provider failed",
        C::Unhandled(_) => "unexpected error",
        _ => "unknown error",
    }
}

fn connector(operation: &str, c: &ConnectorError) -> ApiFailure {
    if let Some((cause, message)) = describe_chain(c.source()) {
        return ApiFailure::new(operation, cause, message);
    }
    let (cause, message) = if c.is_timeout() {
        (Cause::Timeout, "no answer from the Connect endpoint in time")
    } else if c.is_io() {
        (Cause::Connection, "cannot reach the Connect endpoint (check --region, --endpoint-url and the network)")
    } else {
        (Cause::Client, "the request could not be sent")
    };
    ApiFailure::new(operation, cause, message)
}

/// A failed SDK call as a typed failure of `operation`.
pub(crate) fn from_sdk<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> ApiFailure
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let status = service.raw().status().as_u16();
            let message = match e.message() {
                Some(m) if !m.is_empty() => m.to_owned(),
                _ => format!("HTTP {status} (the service gave no message)"),
            };
            ApiFailure {
                code: e.code().map(str::to_owned),
                status: Some(status),
                ..ApiFailure::new(operation, Cause::Service, message)
            }
        }
        SdkError::DispatchFailure(d) => match d.as_connector_error() {
            Some(c) => connector(operation, c),
            None => ApiFailure::new(operation, Cause::Client, "the request could not be sent"),
        },
        SdkError::TimeoutError(_) => {
            ApiFailure::new(operation, Cause::Timeout, "no answer from the Connect endpoint in time")
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status().as_u16();
            ApiFailure {
                status: Some(status),
                ..ApiFailure::new(operation, Cause::Client, format!("the answer (HTTP {status}) could not be read"))
            }
        }
        SdkError::ConstructionFailure(_) => match describe_chain(err.source()) {
            Some((cause, message)) => ApiFailure::new(operation, cause, message),
            None => ApiFailure::new(operation, Cause::Client, "the request could not be built"),
        },
        _ => ApiFailure::new(operation, Cause::Client, "the call failed"),
    }
}

/// A get call's result: the item, `None` when the service says it does not exist, or the failure.
///
/// # Errors
/// Any failure other than ResourceNotFoundException, named by `operation`.
pub(crate) fn found<T, E>(
    operation: &str,
    result: Result<T, SdkError<E, HttpResponse>>,
) -> Result<Option<T>, ApiFailure>
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let e = from_sdk(operation, &e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_connect::error::ErrorMetadata;
    use aws_sdk_connect::operation::create_user::CreateUserError;
    use aws_smithy_types::body::SdkBody;

    fn answer(status: u16) -> HttpResponse {
        HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(status).expect("status"),
            SdkBody::from("{\"Password\":\"never shown\"}"),
        )
    }

    #[test]
    fn an_answer_without_a_message_names_its_status() {
        let e = SdkError::service_error(CreateUserError::generic(ErrorMetadata::builder().build()), answer(413));
        let f = from_sdk("CreateUser", &e);
        assert_eq!((f.cause, f.status), (Cause::Service, Some(413)));
        assert_eq!(f.message, "HTTP 413 (the service gave no message)");
    }

    #[test]
    fn an_unreadable_answer_shows_no_body() {
        let e: SdkError<CreateUserError, HttpResponse> = SdkError::response_error("bad json", answer(200));
        let f = from_sdk("CreateUser", &e);
        assert_eq!(f.to_string(), "CreateUser: the answer (HTTP 200) could not be read");
    }
}
