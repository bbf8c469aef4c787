//! The one error type every handler returns, and the envelope every response uses.
//!
//! `ApiError::into_response` is the single place where a failure becomes a status
//! code and a body. Causes of 5xx errors are logged with their chain; the client
//! only ever sees a generic message.

use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::json;

use crate::repo::error::StoreError;
use crate::repo::page::ListError;
use crate::telemetry::ErrorChain;

/// A field-level validation problem, reported in `error.details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Everything that can go wrong in a request, as the client will see it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("rate limited for {retry_after_secs}s")]
    RateLimited { message: String, retry_after_secs: u64 },
    /// A dependency is down or busy. The message is shown, so it must not carry
    /// internals (table names, endpoints).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// An unexpected failure. The cause is logged, never sent.
    #[error("internal error: {0:#}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type ApiResult<T, E = ApiError> = Result<T, E>;

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::Validation(_) => "VALIDATION_FAILED",
            Self::Unauthorized(_) => "UNAUTHORIZED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) => "CONFLICT",
            Self::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The text the client sees. Internal causes never appear here.
    pub fn public_message(&self) -> String {
        match self {
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::PayloadTooLarge(m)
            | Self::RateLimited { message: m, .. }
            | Self::Unavailable(m) => m.clone(),
            Self::Validation(_) => "one or more fields are invalid".to_owned(),
            Self::Internal(_) => "an internal error occurred".to_owned(),
        }
    }

    /// The envelope body, `{"success": false, "error": {...}}`.
    pub fn envelope(&self) -> serde_json::Value {
        let mut error = json!({ "code": self.code(), "message": self.public_message() });
        if let Self::Validation(details) = self {
            error["details"] = json!(details);
        }
        json!({ "success": false, "error": error })
    }

    /// The single conversion from a failure to an HTTP response.
    pub fn into_response(self) -> http::Response<String> {
        match &self {
            Self::Internal(_) | Self::Unavailable(_) => {
                tracing::error!(error = %ErrorChain(&self), code = self.code(), "request failed")
            }
            _ => tracing::info!(code = self.code(), message = %self.public_message(), "request refused"),
        }
        let mut response = json_response(self.status(), &self.envelope());
        if let Self::RateLimited { retry_after_secs, .. } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
        }
        response
    }
}

/// Storage failures as the client sees them: DynamoDB out of reach or busy is a
/// 503 saying which; anything else a 500 whose cause goes to the log.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(_) => Self::Unavailable(err.to_string()),
            StoreError::Corrupt(_) | StoreError::Internal(_) => Self::internal(err),
        }
    }
}

/// A list's failures: a cursor not issued for the query is the client's 400.
impl From<ListError> for ApiError {
    fn from(err: ListError) -> Self {
        match err {
            ListError::InvalidCursor => Self::BadRequest("the cursor is invalid or belongs to another query".into()),
            ListError::Store(err) => err.into(),
        }
    }
}

/// A JSON response with the given status; used for successes and failures alike.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> http::Response<String> {
    let mut response = http::Response::new(body.to_string());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_the_contract_status_and_code() {
        let cases = [
            (ApiError::BadRequest("x".into()), 400, "BAD_REQUEST"),
            (ApiError::validation("f", "m"), 422, "VALIDATION_FAILED"),
            (ApiError::Unauthorized("x".into()), 401, "UNAUTHORIZED"),
            (ApiError::Forbidden("x".into()), 403, "FORBIDDEN"),
            (ApiError::NotFound("x".into()), 404, "NOT_FOUND"),
            (ApiError::Conflict("x".into()), 409, "CONFLICT"),
            (ApiError::PayloadTooLarge("x".into()), 413, "PAYLOAD_TOO_LARGE"),
            (ApiError::RateLimited { message: "x".into(), retry_after_secs: 5 }, 429, "RATE_LIMITED"),
            (ApiError::Unavailable("x".into()), 503, "SERVICE_UNAVAILABLE"),
            (ApiError::internal("boom"), 500, "INTERNAL"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status().as_u16(), status);
            assert_eq!(error.code(), code);
            assert_eq!(error.envelope()["error"]["code"], code);
            assert_eq!(error.envelope()["success"], false);
        }
    }

    #[test]
    fn internal_causes_never_reach_the_client() {
        let response = ApiError::internal("table secret-table-name exploded").into_response();
        assert_eq!(response.status(), 500);
        assert!(!response.body().contains("secret-table-name"));
        assert!(response.body().contains("an internal error occurred"));
    }

    #[test]
    fn validation_errors_carry_details() {
        let body = ApiError::validation("username", "too short").envelope();
        assert_eq!(body["error"]["details"][0]["field"], "username");
        assert_eq!(body["error"]["details"][0]["message"], "too short");
    }

    /// Cursors are decoded by the repositories; what a client hears of a bad one.
    mod cursors {
        use crate::repo::cursor::encode;
        use crate::repo::cursor::tests::key;
        use crate::repo::item::Item;
        use crate::repo::page::ListError;
        use crate::ApiError;

        fn decode(cursor: &str, scope: &str, attributes: &[&str], pinned: &[(&str, &str)]) -> Result<Item, ApiError> {
            crate::repo::cursor::decode(cursor, scope, attributes, pinned).map_err(|e| ListError::from(e).into())
        }

        #[test]
        fn foreign_forged_or_garbage_cursors_are_bad_requests() {
            let cursor = encode("orders:alice", &key()).expect("encodes");
            let attrs = ["pk", "list_pk", "list_sk"];
            assert_eq!(decode(&cursor, "orders:bob", &attrs, &[]).unwrap_err().code(), "BAD_REQUEST");
            assert_eq!(decode("%%%", "users", &attrs, &[]).unwrap_err().code(), "BAD_REQUEST");
            assert_eq!(decode("e30", "users", &attrs, &[]).unwrap_err().code(), "BAD_REQUEST");
            let cursor = encode("users", &key()).expect("encodes");
            assert_eq!(decode(&cursor, "users", &attrs, &[("list_pk", "ADMIN")]).unwrap_err().code(), "BAD_REQUEST");
            assert_eq!(decode(&cursor, "users", &["pk"], &[]).unwrap_err().code(), "BAD_REQUEST");
        }
    }

    #[test]
    fn rate_limited_sets_retry_after() {
        let response = ApiError::RateLimited { message: "slow down".into(), retry_after_secs: 42 }.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
    }
}
