//! What handlers need of HTTP: the success envelope, JSON bodies, path and query
//! parameters, and the caller identity the authorizer put in the request context.
//!
//! Handlers see `lambda_http::Request` (an `http::Request`) and never the Lambda
//! event JSON; the same code runs under Lambda and under the local gateway.

use http::{header, HeaderName, HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{json_response, ApiError, ApiResult, FieldError};
use crate::repo::page::PageRequest;

/// Headers every answer of the API carries, the gateway's own included
/// (template.yaml's `GatewayResponses` set the same): nothing is stored by a
/// browser or a shared cache — the answers are tokens (RFC 6749 §5.1),
/// personal data, or stock that changes by the second — and no body is
/// sniffed as anything but the JSON it says it is.
pub const SECURITY_HEADERS: [(http::HeaderName, &str); 2] =
    [(header::CACHE_CONTROL, "no-store"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")];

/// The response headers a browser client may read besides the CORS-safelisted
/// ones (`Access-Control-Expose-Headers`).
pub const EXPOSED_HEADERS: &str = "Retry-After, Idempotent-Replayed, WWW-Authenticate";

/// Largest request body a handler accepts. API Gateway itself allows 10 MB; no
/// route of this API needs more than a few KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A successful answer: `{"success": true, "data": ..., "message": ...}`.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    data: Value,
    message: Option<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    pub fn ok(data: impl Serialize) -> Self {
        Self::with_status(StatusCode::OK, data)
    }

    pub fn created(data: impl Serialize) -> Self {
        Self::with_status(StatusCode::CREATED, data)
    }

    pub fn with_status(status: StatusCode, data: impl Serialize) -> Self {
        // Serialising our own plain structs cannot fail; if it ever did, the
        // client would get `null` data rather than a panic.
        let data = serde_json::to_value(data).unwrap_or(Value::Null);
        Self { status, data, message: None, headers: Vec::new() }
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn into_response(self) -> http::Response<String> {
        let mut body = json!({ "success": true, "data": self.data });
        if let Some(message) = self.message {
            body["message"] = Value::String(message);
        }
        let mut response = json_response(self.status, &body);
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// Turns a handler's result into the HTTP response Lambda or the gateway sends.
pub fn into_http_response(result: ApiResult<Reply>) -> http::Response<Body> {
    let response = match result {
        Ok(reply) => reply.into_response(),
        Err(error) => error.into_response(),
    };
    response.map(Body::Text)
}

/// Raw body bytes, refusing bodies over [`MAX_BODY_BYTES`].
pub fn body_bytes(req: &Request) -> ApiResult<&[u8]> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge(format!("request body is larger than {MAX_BODY_BYTES} bytes")));
    }
    Ok(bytes)
}

/// Parses a JSON object body into `T`.
///
/// Not JSON, or the wrong content type → 400 `BAD_REQUEST`; JSON of the wrong
/// shape (missing field, wrong type) → 422 `VALIDATION_FAILED` naming the field.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> ApiResult<T> {
    let bytes = body_bytes(req)?;
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("a JSON request body is required".into()));
    }
    check_json_content_type(req)?;
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::validation("body", "the request body must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { "body".to_owned() } else { field };
        ApiError::validation(&field, e.inner().to_string())
    })
}

/// Like [`json_body`], but an absent body yields `None`.
pub fn optional_json_body<T: DeserializeOwned>(req: &Request) -> ApiResult<Option<T>> {
    if body_bytes(req)?.is_empty() {
        return Ok(None);
    }
    json_body(req).map(Some)
}

fn check_json_content_type(req: &Request) -> ApiResult<()> {
    let Some(content_type) = req.headers().get(header::CONTENT_TYPE) else {
        return Err(ApiError::BadRequest("Content-Type must be application/json".into()));
    };
    let essence =
        content_type.to_str().unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::BadRequest("Content-Type must be application/json".into()))
    }
}

/// A path parameter the route template guarantees (`{id}`), or 404.
pub fn path_param<'a>(req: &'a Request, name: &str) -> ApiResult<&'a str> {
    req.path_parameters_ref()
        .and_then(|params| params.first(name))
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::NotFound(format!("missing path parameter `{name}`")))
}

/// A query-string parameter, if present.
pub fn query_param<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.query_string_parameters_ref().and_then(|params| params.first(name))
}

/// A header as text, if present and valid UTF-8 (API Gateway passes header
/// values on as UTF-8; `HeaderValue::to_str` would refuse anything but ASCII).
pub fn header_str<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

/// Where a request came from, as API Gateway saw it: the connection's source
/// IP (`requestContext.identity.sourceIp`, never a client-supplied
/// `X-Forwarded-For`) and the `User-Agent` (at most 256 characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// Longest user agent kept.
    pub const MAX_USER_AGENT: usize = 256;

    pub fn of(req: &Request) -> Self {
        let source_ip = match req.request_context_ref() {
            Some(lambda_http::request::RequestContext::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
            _ => None,
        }
        .filter(|ip| !ip.is_empty());
        let user_agent = header_str(req, "user-agent")
            .map(|ua| ua.chars().filter(|c| !c.is_control()).take(Self::MAX_USER_AGENT).collect::<String>())
            .filter(|ua| !ua.is_empty());
        Self { source_ip, user_agent }
    }

    /// The source IP, or `unknown` (only outside API Gateway, e.g. unit tests).
    pub fn ip(&self) -> &str {
        self.source_ip.as_deref().unwrap_or("unknown")
    }
}

/// The `?limit=` and `?cursor=` of a paginated list, as the repositories take them.
pub fn page_request(req: &Request) -> ApiResult<PageRequest> {
    let limit = match query_param(req, "limit") {
        None => PageRequest::DEFAULT_LIMIT,
        Some(raw) => raw.parse::<u16>().ok().filter(|n| (1..=PageRequest::MAX_LIMIT).contains(n)).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "limit",
                format!("must be an integer from 1 to {}", PageRequest::MAX_LIMIT),
            )])
        })?,
    };
    let cursor = query_param(req, "cursor").filter(|c| !c.is_empty()).map(str::to_owned);
    Ok(PageRequest { limit, cursor })
}

/// A value the authorizer put in the request context, if any.
pub fn authorizer_field(req: &Request, key: &str) -> Option<String> {
    req.request_context_ref()?.authorizer()?.fields.get(key)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        username: String,
        password: String,
    }

    fn request(content_type: Option<&str>, body: &str) -> Request {
        let mut builder = http::Request::builder().method("POST").uri("/auth/login");
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(Body::Text(body.to_owned())).expect("valid test request")
    }

    #[test]
    fn malformed_json_is_bad_request() {
        let err = json_body::<Login>(&request(Some("application/json"), "{not json")).unwrap_err();
        assert_eq!(err.code(), "BAD_REQUEST");
    }

    #[test]
    fn wrong_content_type_is_bad_request() {
        let err = json_body::<Login>(&request(Some("text/plain"), "{}")).unwrap_err();
        assert_eq!(err.code(), "BAD_REQUEST");
        let err = json_body::<Login>(&request(None, "{}")).unwrap_err();
        assert_eq!(err.code(), "BAD_REQUEST");
    }

    #[test]
    fn json_with_charset_is_accepted() {
        let body = r#"{"username":"a","password":"b"}"#;
        assert!(json_body::<Login>(&request(Some("application/json; charset=utf-8"), body)).is_ok());
    }

    #[test]
    fn wrong_shape_names_the_field() {
        let err =
            json_body::<Login>(&request(Some("application/json"), r#"{"username":1,"password":"x"}"#)).unwrap_err();
        match err {
            ApiError::Validation(details) => assert_eq!(details[0].field, "username"),
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn non_object_json_is_a_validation_error() {
        let err = json_body::<Login>(&request(Some("application/json"), "[1,2]")).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED");
    }

    #[test]
    fn oversized_body_is_413() {
        let big = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(MAX_BODY_BYTES));
        let err = json_body::<Login>(&request(Some("application/json"), &big)).unwrap_err();
        assert_eq!(err.code(), "PAYLOAD_TOO_LARGE");
    }

    #[test]
    fn deeply_nested_json_is_refused_without_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = json_body::<Login>(&request(Some("application/json"), &deep[..MAX_BODY_BYTES])).unwrap_err();
        assert_eq!(err.code(), "BAD_REQUEST");
    }

    #[test]
    fn reply_wraps_data_in_the_envelope() {
        let response = Reply::created(json!({"id": "1"})).message("made").into_response();
        assert_eq!(response.status(), 201);
        let body: Value = serde_json::from_str(response.body()).expect("json");
        assert_eq!(body, json!({"success": true, "data": {"id": "1"}, "message": "made"}));
    }
}
