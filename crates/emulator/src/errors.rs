//! The closed list of errors the emulator answers with, encoded as Connect's REST-JSON protocol
//! encodes them: the status code of the model's error shape, an `x-amzn-ErrorType` header and a
//! JSON body with `__type` and `Message`.

use std::fmt;

/// An error type the Connect API returns (or, for the authentication and throttling cases, the
/// front door returns), with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidRequest,
    InvalidParameter,
    ResourceNotFound,
    Throttling,
    InternalService,
    LimitExceeded,
    DuplicateResource,
    AccessDenied,
    MissingAuthenticationToken,
    UnknownOperation,
}

impl ErrorKind {
    /// The error's code as the wire spells it.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "InvalidRequestException",
            ErrorKind::InvalidParameter => "InvalidParameterException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::Throttling => "ThrottlingException",
            ErrorKind::InternalService => "InternalServiceException",
            ErrorKind::LimitExceeded => "LimitExceededException",
            ErrorKind::DuplicateResource => "DuplicateResourceException",
            ErrorKind::AccessDenied => "AccessDeniedException",
            ErrorKind::MissingAuthenticationToken => "MissingAuthenticationToken",
            ErrorKind::UnknownOperation => "UnknownOperationException",
        }
    }

    /// The HTTP status from the model's `error.httpStatusCode` (and AWS's common errors).
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::InvalidRequest | ErrorKind::InvalidParameter => 400,
            ErrorKind::ResourceNotFound | ErrorKind::UnknownOperation => 404,
            ErrorKind::Throttling | ErrorKind::LimitExceeded => 429,
            ErrorKind::InternalService => 500,
            ErrorKind::DuplicateResource => 409,
            ErrorKind::AccessDenied | ErrorKind::MissingAuthenticationToken => 403,
        }
    }

    /// Every kind, for the model-conformance test.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidRequest,
        ErrorKind::InvalidParameter,
        ErrorKind::ResourceNotFound,
        ErrorKind::Throttling,
        ErrorKind::InternalService,
        ErrorKind::LimitExceeded,
        ErrorKind::DuplicateResource,
        ErrorKind::AccessDenied,
        ErrorKind::MissingAuthenticationToken,
        ErrorKind::UnknownOperation,
    ];
}

/// An error answer: its type and the message the body carries.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError { kind, message: message.into() }
    }
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameter, message)
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNotFound, message)
    }
    pub fn duplicate(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::DuplicateResource, message)
    }

    /// The validation errors of a request, worded as AWS words them.
    pub fn validation(errors: &[String]) -> Self {
        let n = errors.len();
        let noun = if n == 1 { "error" } else { "errors" };
        Self::invalid_parameter(format!("{n} validation {noun} detected: {}", errors.join("; ")))
    }

    /// The JSON body of the error.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "__type": self.kind.code(), "Message": self.message })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// Handlers return this.
pub type ApiResult<T> = Result<T, ApiError>;
