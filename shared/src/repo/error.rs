//! How storage fails, in storage terms: DynamoDB out of reach or busy (worth
//! trying again later), an item that does not read back, or anything else.
//! What a client sees of it is decided outside the repositories, in
//! `shared::error`.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::telemetry::ErrorChain;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A storage operation failed; nothing the domain can answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB did not answer in time, or is throttling or failing on its side.
    #[error("DynamoDB is {0}")]
    Unavailable(Unavailable),
    /// A stored item lacks an attribute or holds one that does not parse.
    #[error("corrupt item")]
    Corrupt(#[source] BoxError),
    /// Anything else: an SDK failure nobody expects, a request built wrong, a
    /// transaction cancelled for a reason its caller does not handle.
    #[error("unexpected storage failure")]
    Internal(#[source] BoxError),
}

/// Why DynamoDB is unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Unreachable or timed out.
    Unreachable,
    /// Throttled or failing on its side for now.
    Busy,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unreachable => "unreachable",
            Self::Busy => "busy",
        })
    }
}

/// DynamoDB error codes that mean "busy or down", not "our bug".
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
    "TransactionInProgressException",
];

impl StoreError {
    pub fn corrupt(cause: impl Into<BoxError>) -> Self {
        Self::Corrupt(cause.into())
    }

    pub fn internal(cause: impl Into<BoxError>) -> Self {
        Self::Internal(cause.into())
    }

    /// Sorts an SDK failure: unreachable, timed out or throttled →
    /// [`StoreError::Unavailable`] (with a warning in the log); anything else →
    /// [`StoreError::Internal`], cause kept.
    pub fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
                tracing::warn!(error = %ErrorChain(&err), "DynamoDB unreachable");
                Self::Unavailable(Unavailable::Unreachable)
            }
            SdkError::ServiceError(service) if TRANSIENT_CODES.contains(&service.err().code().unwrap_or_default()) => {
                tracing::warn!(code = service.err().code(), "DynamoDB busy");
                Self::Unavailable(Unavailable::Busy)
            }
            _ => Self::internal(err),
        }
    }
}

impl<E, R> From<SdkError<E, R>> for StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    fn from(err: SdkError<E, R>) -> Self {
        Self::from_sdk(err)
    }
}

/// A request the SDK refused to build is our bug.
impl From<aws_sdk_dynamodb::error::BuildError> for StoreError {
    fn from(err: aws_sdk_dynamodb::error::BuildError) -> Self {
        Self::internal(err)
    }
}

/// The error code of a service error (e.g. `ConditionalCheckFailedException`).
pub(crate) fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// Whether a single-item write failed only because its condition was false.
pub(crate) fn condition_failed<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    error_code(err) == Some("ConditionalCheckFailedException")
}

/// A conditional single-item write's result: `Some` if it was applied, `None`
/// if only its condition was false; any other failure is a [`StoreError`].
pub(crate) fn applied<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<Option<T>, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(err) if condition_failed(&err) => Ok(None),
        Err(err) => Err(err.into()),
    }
}
