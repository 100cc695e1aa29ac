//! SDK errors as connectql reports them: the operation, the service's error code and its own
//! message (e.g. `DescribeUser: ResourceNotFoundException: User not found for UserId: …`), or
//! the connection problem with a hint.

use std::fmt;

use aws_sdk_connect::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// A failed API call.
#[derive(Debug, Clone)]
pub struct ApiCallError {
    /// The operation, e.g. `ListUsers`.
    pub operation: &'static str,
    /// The service's error code, when the service answered.
    pub code: Option<String>,
    pub message: String,
}

impl ApiCallError {
    pub fn from_sdk<E, R>(operation: &'static str, err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        match err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                ApiCallError {
                    operation,
                    code: e.code().map(str::to_owned),
                    message: e.message().unwrap_or("the service gave no message").to_owned(),
                }
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => ApiCallError {
                operation,
                code: None,
                message: format!(
                    "{} (cannot reach the Connect endpoint: check --region, --endpoint-url and the network)",
                    DisplayErrorContext(err)
                ),
            },
            other => ApiCallError { operation, code: None, message: DisplayErrorContext(other).to_string() },
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code.as_deref() == Some("ResourceNotFoundException")
    }

    pub fn is_access_denied(&self) -> bool {
        self.code.as_deref() == Some("AccessDeniedException")
    }
}

/// A get call's result: the item, `None` when the service says it does not exist, or the error.
///
/// # Errors
/// Any error other than ResourceNotFoundException, named by `operation`.
pub fn found<T, E, R>(operation: &'static str, result: Result<T, SdkError<E, R>>) -> Result<Option<T>, ApiCallError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let e = ApiCallError::from_sdk(operation, &e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}

impl fmt::Display for ApiCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{}: {code}: {}", self.operation, self.message),
            None => write!(f, "{}: {}", self.operation, self.message),
        }
    }
}

impl std::error::Error for ApiCallError {}
