//! The local stand-in for API Gateway: matches a request to a route of the
//! template, runs the REQUEST authorizer (with its cache), builds the REST API
//! proxy event AWS would send, runs the function through lambda_http's own
//! adapter, answers gateway errors with the template's gateway responses, and
//! answers CORS preflights the way the API's `Cors` setting makes AWS answer them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyResponse;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Service};
use serde_json::{json, Map, Value};
use shared::route::{DynEventHandler, DynRoute};

use crate::template::{AuthorizerSpec, CorsSpec, GatewayResponse, RouteSpec, Template};

/// API Gateway's own payload limit.
pub const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;

const ACCOUNT_ID: &str = "000000000000";
const API_ID: &str = "local";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

fn segments(path: &str) -> Vec<Segment> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => Segment::Param(name.to_owned()),
            None => Segment::Literal(s.to_owned()),
        })
        .collect()
}

struct BoundRoute {
    spec: RouteSpec,
    segments: Vec<Segment>,
    handler: Arc<dyn DynRoute>,
}

impl BoundRoute {
    /// The path parameters if `path` matches this route's template.
    fn matches(&self, path: &[&str]) -> Option<HashMap<String, String>> {
        if path.len() != self.segments.len() {
            return None;
        }
        let mut params = HashMap::new();
        for (segment, actual) in self.segments.iter().zip(path) {
            match segment {
                Segment::Literal(literal) if literal == actual => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => {
                    let decoded = percent_encoding::percent_decode_str(actual).decode_utf8().ok()?;
                    params.insert(name.clone(), decoded.into_owned());
                }
            }
        }
        Some(params)
    }

    /// Literal segments outrank parameters, as in API Gateway (`/users/profile`
    /// wins over `/users/{id}`).
    fn specificity(&self) -> usize {
        self.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count()
    }
}

/// The authorizer's verdict for one identity.
#[derive(Debug, Clone)]
enum Verdict {
    Allow { principal: String, context: Map<String, Value> },
    Deny,
}

struct BoundAuthorizer {
    spec: AuthorizerSpec,
    handler: Arc<dyn DynEventHandler>,
    cache: Mutex<HashMap<String, (Instant, Verdict)>>,
}

/// A gateway-produced failure, answered with the template's gateway response.
#[derive(Debug)]
struct GatewayError {
    kind: &'static str,
    message: String,
}

fn gateway_error(kind: &'static str, message: impl Into<String>) -> GatewayError {
    GatewayError { kind, message: message.into() }
}

pub struct Gateway {
    template: Template,
    routes: Vec<BoundRoute>,
    authorizer: Option<BoundAuthorizer>,
}

/// What the gateway hands back to the HTTP server, plus what it logs.
pub struct Outcome {
    pub response: http::Response<Bytes>,
    /// `METHOD /path/{template}` of the matched route.
    pub route: Option<String>,
    /// The function (binary) that served it.
    pub function: Option<String>,
}

impl Gateway {
    pub fn new(
        template: Template,
        handlers: HashMap<String, Arc<dyn DynRoute>>,
        authorizer: Option<Arc<dyn DynEventHandler>>,
    ) -> Result<Self, String> {
        let mut routes = Vec::new();
        for spec in &template.routes {
            let handler = handlers
                .get(&spec.binary)
                .cloned()
                .ok_or_else(|| format!("no handler registered for binary {:?} ({})", spec.binary, spec.function))?;
            routes.push(BoundRoute { segments: segments(&spec.path), spec: spec.clone(), handler });
        }
        routes.sort_by_key(|r| std::cmp::Reverse(r.specificity()));
        let authorizer = match (&template.authorizer, authorizer) {
            (Some(spec), Some(handler)) => {
                Some(BoundAuthorizer { spec: spec.clone(), handler, cache: Mutex::new(HashMap::new()) })
            }
            (Some(spec), None) => return Err(format!("no authorizer registered for binary {:?}", spec.binary)),
            (None, _) => None,
        };
        Ok(Self { template, routes, authorizer })
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    /// Serves one request the way API Gateway + Lambda would.
    pub async fn handle(&self, request: http::Request<Bytes>, peer: SocketAddr, request_id: &str) -> Outcome {
        let path = request.uri().path().to_owned();
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let candidates: Vec<_> = self.routes.iter().filter_map(|r| Some((r, r.matches(&parts)?))).collect();
        let found = candidates.iter().find(|(r, _)| r.spec.method == request.method().as_str());
        if let (None, Some((route, _)), Some(cors)) = (found, candidates.first(), &self.template.cors) {
            if request.method() == Method::OPTIONS {
                // SAM adds a mock OPTIONS method, without authorizer, to every path.
                let route = Some(format!("OPTIONS {} (CORS preflight)", route.spec.path));
                return Outcome { response: preflight_response(cors), route, function: None };
            }
        }
        let Some((route, path_params)) = found else {
            // API Gateway answers unknown paths and unknown methods alike.
            let error =
                gateway_error("MISSING_AUTHENTICATION_TOKEN", format!("no route for {} {}", request.method(), path));
            return Outcome { response: self.gateway_response(&error, request_id), route: None, function: None };
        };
        let route_name = format!("{} {}", route.spec.method, route.spec.path);
        let response = match self.invoke(route, path_params.clone(), request, peer, request_id).await {
            Ok(response) => response,
            Err(error) => self.gateway_response(&error, request_id),
        };
        Outcome { response, route: Some(route_name), function: Some(route.spec.binary.clone()) }
    }

    async fn invoke(
        &self,
        route: &BoundRoute,
        path_params: HashMap<String, String>,
        request: http::Request<Bytes>,
        peer: SocketAddr,
        request_id: &str,
    ) -> Result<http::Response<Bytes>, GatewayError> {
        if request.body().len() > MAX_PAYLOAD_BYTES {
            return Err(gateway_error("REQUEST_TOO_LARGE", "request is too large"));
        }
        let mut event = RestEvent::new(&self.template.stage, &route.spec, path_params, &request, peer, request_id);
        if route.spec.authorized {
            let authorizer =
                self.authorizer.as_ref().ok_or_else(|| gateway_error("DEFAULT_5XX", "no authorizer configured"))?;
            match self.authorize(authorizer, &event, request.headers()).await? {
                Verdict::Allow { principal, mut context } => {
                    context.insert("principalId".into(), Value::String(principal));
                    event.authorizer = context;
                }
                Verdict::Deny => return Err(gateway_error("ACCESS_DENIED", "access denied")),
            }
        }
        let lambda_request: LambdaRequest = serde_json::from_value(event.proxy_event(request.body()))
            .map_err(|e| gateway_error("DEFAULT_5XX", format!("could not build the proxy event: {e}")))?;
        let handler = route.handler.clone();
        let mut adapter = Adapter::from(lambda_http::service_fn(move |req: lambda_http::Request| {
            let handler = handler.clone();
            async move { Ok::<_, lambda_http::Error>(handler.call(req).await) }
        }));
        let mut context = lambda_http::Context::default();
        context.request_id = request_id.to_owned();
        let lambda_response = adapter
            .call(lambda_http::LambdaEvent::new(lambda_request, context))
            .await
            .map_err(|e| gateway_error("DEFAULT_5XX", format!("function failed: {e}")))?;
        let wire = serde_json::to_value(&lambda_response)
            .and_then(serde_json::from_value::<ApiGatewayProxyResponse>)
            .map_err(|e| gateway_error("DEFAULT_5XX", format!("malformed function response: {e}")))?;
        Ok(proxy_response_to_http(wire))
    }

    async fn authorize(
        &self,
        authorizer: &BoundAuthorizer,
        event: &RestEvent,
        headers: &HeaderMap,
    ) -> Result<Verdict, GatewayError> {
        // API Gateway's identity source `method.request.header.<name>` is the
        // header's *last* value, as the event's `headers` map is: the cache key
        // and what the authorizer reads are the same value.
        let identity = headers
            .get_all(authorizer.spec.identity_header.as_str())
            .iter()
            .next_back()
            .map(header_text)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| gateway_error("UNAUTHORIZED", "Unauthorized"))?;
        let ttl = Duration::from_secs(authorizer.spec.cache_ttl_secs);
        if !ttl.is_zero() {
            let cache = authorizer.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, verdict)) = cache.get(&identity) {
                if at.elapsed() < ttl {
                    return Ok(verdict.clone());
                }
            }
        }
        let output = authorizer.handler.invoke(event.authorizer_event()).await.map_err(|message| {
            if message == "Unauthorized" {
                gateway_error("UNAUTHORIZED", "Unauthorized")
            } else {
                tracing::error!(%message, "authorizer failed");
                gateway_error("AUTHORIZER_CONFIGURATION_ERROR", "authorizer error")
            }
        })?;
        let verdict = evaluate_policy(&output, &event.method_arn());
        if !ttl.is_zero() {
            let mut cache = authorizer.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.retain(|_, (at, _)| at.elapsed() < ttl);
            cache.insert(identity, (Instant::now(), verdict.clone()));
        }
        Ok(verdict)
    }

    /// The answer to a request whose body exceeds API Gateway's limit.
    pub fn payload_too_large(&self, request_id: &str) -> http::Response<Bytes> {
        self.gateway_response(&gateway_error("REQUEST_TOO_LARGE", "request is too large"), request_id)
    }

    fn gateway_response(&self, error: &GatewayError, request_id: &str) -> http::Response<Bytes> {
        let default_status = match error.kind {
            "UNAUTHORIZED" => 401,
            "ACCESS_DENIED" => 403,
            "MISSING_AUTHENTICATION_TOKEN" => 403,
            "THROTTLED" => 429,
            "REQUEST_TOO_LARGE" => 413,
            "DEFAULT_5XX" | "AUTHORIZER_CONFIGURATION_ERROR" | "AUTHORIZER_FAILURE" => 500,
            _ => 400,
        };
        let fallback_kind = if default_status >= 500 { "DEFAULT_5XX" } else { "DEFAULT_4XX" };
        let spec = self.template.gateway_responses.get(error.kind);
        let fallback = self.template.gateway_responses.get(fallback_kind);
        let status = spec.map(|s| s.status).filter(|s| *s != 0).unwrap_or(default_status);
        let template = spec.or(fallback).cloned().unwrap_or_else(|| GatewayResponse {
            status,
            body: r#"{"message":$context.error.messageString}"#.to_owned(),
            headers: Vec::new(),
        });
        let body = template
            .body
            .replace("$context.error.messageString", &Value::String(error.message.clone()).to_string())
            .replace("$context.requestId", request_id);
        let mut response = http::Response::new(Bytes::from(body));
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in template.headers {
            if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(name), HeaderValue::try_from(value)) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

/// API Gateway's mock answer to a preflight: 200, the CORS headers, `{}`.
fn preflight_response(cors: &CorsSpec) -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from_static(b"{}"));
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in cors.preflight_headers() {
        if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// Reads an authorizer's IAM policy: an Allow covering the method ARN and no
/// Deny covering it lets the request through.
fn evaluate_policy(output: &Value, method_arn: &str) -> Verdict {
    let statements = output["policyDocument"]["Statement"].as_array().cloned().unwrap_or_default();
    let covers = |statement: &Value| {
        let resources = match &statement["Resource"] {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        resources.iter().any(|pattern| glob_match(pattern, method_arn))
    };
    let effect = |statement: &Value| statement["Effect"].as_str().unwrap_or_default().to_owned();
    if statements.iter().any(|s| effect(s) == "Deny" && covers(s)) {
        return Verdict::Deny;
    }
    if statements.iter().any(|s| effect(s) == "Allow" && covers(s)) {
        let principal = output["principalId"].as_str().unwrap_or_default().to_owned();
        let context = output["context"].as_object().cloned().unwrap_or_default();
        // API Gateway passes context values on as strings, numbers or booleans only.
        let context = context.into_iter().filter(|(_, v)| !v.is_object() && !v.is_array()).collect();
        return Verdict::Allow { principal, context };
    }
    Verdict::Deny
}

/// IAM-style matching where `*` matches any run of characters and `?` one.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The parts of one request that both the proxy event and the authorizer event carry.
struct RestEvent {
    stage: String,
    resource: String,
    path: String,
    method: Method,
    headers: Map<String, Value>,
    multi_headers: Map<String, Value>,
    query: Map<String, Value>,
    multi_query: Map<String, Value>,
    path_params: HashMap<String, String>,
    source_ip: String,
    request_id: String,
    authorizer: Map<String, Value>,
}

impl RestEvent {
    fn new(
        stage: &str,
        route: &RouteSpec,
        path_params: HashMap<String, String>,
        request: &http::Request<Bytes>,
        peer: SocketAddr,
        request_id: &str,
    ) -> Self {
        let mut headers = Map::new();
        let mut multi_headers = Map::new();
        for name in request.headers().keys() {
            let values: Vec<Value> =
                request.headers().get_all(name).iter().map(|v| Value::String(header_text(v))).collect();
            if let Some(last) = values.last() {
                headers.insert(name.as_str().to_owned(), last.clone());
                multi_headers.insert(name.as_str().to_owned(), Value::Array(values));
            }
        }
        let mut query = Map::new();
        let mut multi_query: Map<String, Value> = Map::new();
        for (key, value) in form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes()) {
            query.insert(key.to_string(), Value::String(value.to_string()));
            let entry = multi_query.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(Value::String(value.into_owned()));
            }
        }
        Self {
            stage: stage.to_owned(),
            resource: route.path.clone(),
            path: request.uri().path().to_owned(),
            method: request.method().clone(),
            headers,
            multi_headers,
            query,
            multi_query,
            path_params,
            source_ip: peer.ip().to_string(),
            request_id: request_id.to_owned(),
            authorizer: Map::new(),
        }
    }

    fn method_arn(&self) -> String {
        format!("arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:{API_ID}/{}/{}{}", self.stage, self.method, self.path)
    }

    fn request_context(&self) -> Value {
        let now = time::OffsetDateTime::now_utc();
        json!({
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "resourceId": "local",
            "resourcePath": self.resource,
            "httpMethod": self.method.as_str(),
            "path": format!("/{}{}", self.stage, self.path),
            "protocol": "HTTP/1.1",
            "stage": self.stage,
            "requestId": self.request_id,
            "extendedRequestId": self.request_id,
            "requestTimeEpoch": (now.unix_timestamp_nanos() / 1_000_000) as i64,
            "identity": { "sourceIp": self.source_ip, "userAgent": self.headers.get("user-agent").cloned().unwrap_or(Value::Null) },
            "authorizer": if self.authorizer.is_empty() { Value::Null } else { Value::Object(self.authorizer.clone()) },
        })
    }

    fn nullable(map: &Map<String, Value>) -> Value {
        if map.is_empty() {
            Value::Null
        } else {
            Value::Object(map.clone())
        }
    }

    fn path_params_json(&self) -> Value {
        if self.path_params.is_empty() {
            Value::Null
        } else {
            json!(self.path_params)
        }
    }

    /// The REST API (v1) proxy integration event.
    fn proxy_event(&self, body: &Bytes) -> Value {
        let (body, is_base64) = if body.is_empty() {
            (Value::Null, false)
        } else {
            match std::str::from_utf8(body) {
                Ok(text) => (Value::String(text.to_owned()), false),
                Err(_) => (Value::String(base64::engine::general_purpose::STANDARD.encode(body)), true),
            }
        };
        json!({
            "resource": self.resource,
            "path": self.path,
            "httpMethod": self.method.as_str(),
            "headers": Self::nullable(&self.headers),
            "multiValueHeaders": Self::nullable(&self.multi_headers),
            "queryStringParameters": Self::nullable(&self.query),
            "multiValueQueryStringParameters": Self::nullable(&self.multi_query),
            "pathParameters": self.path_params_json(),
            "stageVariables": Value::Null,
            "requestContext": self.request_context(),
            "body": body,
            "isBase64Encoded": is_base64,
        })
    }

    /// The REQUEST authorizer event.
    fn authorizer_event(&self) -> Value {
        json!({
            "type": "REQUEST",
            "methodArn": self.method_arn(),
            "resource": self.resource,
            "path": self.path,
            "httpMethod": self.method.as_str(),
            "headers": Value::Object(self.headers.clone()),
            "multiValueHeaders": Value::Object(self.multi_headers.clone()),
            "queryStringParameters": Value::Object(self.query.clone()),
            "multiValueQueryStringParameters": Value::Object(self.multi_query.clone()),
            "pathParameters": self.path_params_json(),
            "stageVariables": {},
            "requestContext": self.request_context(),
        })
    }
}

/// The proxy and REQUEST-authorizer events the gateway builds for `request` on
/// `route`, with `authorizer` as the context of an Allow (for comparing them
/// with the payloads AWS sends).
pub fn rest_events(
    stage: &str,
    route: &RouteSpec,
    path_params: HashMap<String, String>,
    request: &http::Request<Bytes>,
    peer: SocketAddr,
    authorizer: Map<String, Value>,
) -> (Value, Value) {
    let mut event = RestEvent::new(stage, route, path_params, request, peer, "parity-request");
    let authorizer_event = event.authorizer_event();
    event.authorizer = authorizer;
    (event.proxy_event(request.body()), authorizer_event)
}

/// A header value as API Gateway hands it to Lambda: text. Values are UTF-8
/// on the wire in practice and passed on as such; bytes that are not UTF-8 are
/// read as ISO-8859-1 (RFC 9110's historical encoding of `obs-text`), so no
/// value is ever dropped.
fn header_text(value: &HeaderValue) -> String {
    match std::str::from_utf8(value.as_bytes()) {
        Ok(text) => text.to_owned(),
        Err(_) => value.as_bytes().iter().map(|b| char::from(*b)).collect(),
    }
}

fn proxy_response_to_http(wire: ApiGatewayProxyResponse) -> http::Response<Bytes> {
    let body = match wire.body {
        None => Bytes::new(),
        Some(lambda_http::Body::Text(text)) if wire.is_base64_encoded => {
            base64::engine::general_purpose::STANDARD.decode(text.as_bytes()).map(Bytes::from).unwrap_or_default()
        }
        Some(lambda_http::Body::Text(text)) => Bytes::from(text),
        Some(lambda_http::Body::Binary(bytes)) => Bytes::from(bytes),
        Some(_) => Bytes::new(),
    };
    let mut response = http::Response::new(body);
    *response.status_mut() = u16::try_from(wire.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::BAD_GATEWAY);
    let mut headers = wire.multi_value_headers;
    headers.extend(wire.headers);
    *response.headers_mut() = headers;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_iam_style() {
        let arn = "arn:aws:execute-api:us-east-1:000000000000:local/v1/GET/users/1";
        assert!(glob_match("arn:aws:execute-api:us-east-1:000000000000:local/v1/*", arn));
        assert!(glob_match("*", arn));
        assert!(!glob_match("arn:aws:execute-api:us-east-1:000000000000:local/v2/*", arn));
        assert!(glob_match("arn:aws:execute-api:*:*:local/v1/GET/users/?", arn));
    }

    #[test]
    fn deny_wins_over_allow() {
        let arn = "arn:aws:execute-api:us-east-1:000000000000:local/v1/GET/x";
        let policy = json!({"principalId": "u", "policyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ["*"]},
            {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": [arn]}
        ]}});
        assert!(matches!(evaluate_policy(&policy, arn), Verdict::Deny));
        let allow = json!({"principalId": "u", "policyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
        ]}, "context": {"user_id": "1"}});
        assert!(matches!(evaluate_policy(&allow, arn), Verdict::Allow { .. }));
    }

    /// What API Gateway's REST proxy event carries for repeated and non-ASCII
    /// headers: `multiValueHeaders` every value in order, `headers` the last;
    /// UTF-8 values as they are, never dropped.
    #[test]
    fn repeated_and_non_ascii_headers_reach_the_event_as_api_gateway_sends_them() {
        let route = RouteSpec {
            function: "F".into(),
            binary: "f".into(),
            method: "POST".into(),
            path: "/orders".into(),
            authorized: true,
        };
        let request = http::Request::builder()
            .method("POST")
            .uri("/orders")
            .header("x-twice", "first")
            .header("x-twice", "second")
            .header("idempotency-key", HeaderValue::from_bytes("clé-ü-1".as_bytes()).expect("bytes"))
            .header("x-latin1", HeaderValue::from_bytes(b"caf\xe9").expect("bytes"))
            .body(Bytes::new())
            .expect("request");
        let peer: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let event = RestEvent::new("v1", &route, HashMap::new(), &request, peer, "r").proxy_event(&Bytes::new());

        assert_eq!(event["headers"]["x-twice"], "second");
        assert_eq!(event["multiValueHeaders"]["x-twice"], json!(["first", "second"]));
        assert_eq!(event["headers"]["idempotency-key"], "clé-ü-1");
        assert_eq!(event["headers"]["x-latin1"], "café");
        assert_eq!(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    }

    #[test]
    fn literal_segments_outrank_parameters() {
        let literal = segments("/users/profile");
        let param = segments("/users/{id}");
        assert_eq!(literal.iter().filter(|s| matches!(s, Segment::Literal(_))).count(), 2);
        assert_eq!(param.iter().filter(|s| matches!(s, Segment::Literal(_))).count(), 1);
    }
}
