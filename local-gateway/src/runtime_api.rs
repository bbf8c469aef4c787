//! A minimal Lambda Runtime API: runs a function binary the way Lambda does —
//! a fresh process with Lambda's environment, polling
//! `GET /2018-06-01/runtime/invocation/next` and posting its answer — and hands
//! it one event. Used by the cold-start harness (`tools/coldstart`) and by the
//! tests that feed every binary AWS's own event payloads.
//!
//! One invocation at a time: each [`RuntimeApi::invoke_cold`] starts a process,
//! serves it one event, and kills it once it has answered.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::sync::{oneshot, Mutex as AsyncMutex};

use crate::template::FunctionSpec;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a process may take to answer its one invocation.
pub const INVOKE_TIMEOUT: Duration = Duration::from_secs(15);

/// What a function posted back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// `/invocation/<id>/response`
    Response,
    /// `/invocation/<id>/error`: the handler failed (an authorizer's "Unauthorized").
    Error,
    /// `/init/error`: the cold start failed.
    InitError,
}

/// One cold invocation: what came back, and when.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub posted: Posted,
    pub body: Value,
    /// exec → first poll of `/invocation/next` (the function's init).
    pub init: Duration,
    /// exec → the answer posted.
    pub elapsed: Duration,
    /// What the process wrote to stderr.
    pub logs: String,
}

struct Outcome {
    polled: Option<Instant>,
    at: Instant,
    posted: Posted,
    body: Bytes,
}

#[derive(Default)]
struct Pending {
    event: Option<(String, Value)>,
    polled: Option<Instant>,
    done: Option<oneshot::Sender<Outcome>>,
}

/// The emulator, listening on loopback.
pub struct RuntimeApi {
    address: String,
    state: Arc<Mutex<Pending>>,
    /// One invocation at a time.
    turn: AsyncMutex<()>,
    function_arn: String,
}

impl RuntimeApi {
    /// Listens on a free loopback port; `function_arn` is what the
    /// `lambda-runtime-invoked-function-arn` header says.
    pub async fn start(function_arn: impl Into<String>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?.to_string();
        let state: Arc<Mutex<Pending>> = Arc::default();
        let function_arn = function_arn.into();
        tokio::spawn(serve(listener, state.clone(), function_arn.clone()));
        Ok(Self { address, state, turn: AsyncMutex::new(()), function_arn })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn function_arn(&self) -> &str {
        &self.function_arn
    }

    /// Starts `binary` with exactly `env` (plus `AWS_LAMBDA_RUNTIME_API`), hands
    /// it `event`, and returns its first answer; the process is killed then.
    pub async fn invoke_cold(
        &self,
        binary: &Path,
        env: &HashMap<String, String>,
        event: Value,
    ) -> Result<Invocation, BoxError> {
        let _turn = self.turn.lock().await;
        let (done, outcome) = oneshot::channel();
        {
            let mut pending = self.state.lock().unwrap_or_else(|p| p.into_inner());
            pending.event = Some((uuid::Uuid::new_v4().to_string(), event));
            pending.polled = None;
            pending.done = Some(done);
        }
        let started = Instant::now();
        let mut child = tokio::process::Command::new(binary)
            .env_clear()
            .envs(env)
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let mut stderr = child.stderr.take().ok_or("no stderr")?;
        let logs = tokio::spawn(async move {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text).await;
            text
        });
        let result = tokio::time::timeout(INVOKE_TIMEOUT, outcome).await;
        let _ = child.kill().await;
        let logs = logs.await.unwrap_or_default();
        {
            // A process that never answered leaves its event behind: drop it.
            let mut pending = self.state.lock().unwrap_or_else(|p| p.into_inner());
            pending.event = None;
            pending.done = None;
        }
        let outcome = match result {
            Ok(Ok(outcome)) => outcome,
            _ => {
                return Err(format!("{}: no answer within {INVOKE_TIMEOUT:?}; stderr:\n{logs}", binary.display()).into())
            }
        };
        let elapsed = outcome.at.duration_since(started);
        Ok(Invocation {
            posted: outcome.posted,
            body: serde_json::from_slice(&outcome.body).unwrap_or(Value::Null),
            init: outcome.polled.map(|p| p.duration_since(started)).unwrap_or(elapsed),
            elapsed,
            logs,
        })
    }
}

/// The environment Lambda gives a `provided.al2023` function named
/// `<stack>-<logical id>`, plus the template's variables, with a local DynamoDB
/// endpoint, the signing secret and dummy credentials.
pub fn lambda_environment(
    function: &FunctionSpec,
    stack: &str,
    region: &str,
    memory_mb: u32,
    dynamodb_endpoint: &str,
    jwt_secret: &str,
    binary: &Path,
) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = function.environment.clone().into_iter().collect();
    let name = format!("{stack}-{}", function.logical_id);
    let task_root = binary.parent().map(|p| p.display().to_string()).unwrap_or_default();
    for (key, value) in [
        ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{stack}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", format!("2025/01/01/{name}[$LATEST]0123456789abcdef")),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
        ("AWS_REGION", region.to_owned()),
        ("AWS_DEFAULT_REGION", region.to_owned()),
        ("AWS_ACCESS_KEY_ID", "AKIALOCALRUNTIMEAPI0".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local-runtime-api-secret-access-key".to_owned()),
        ("AWS_SESSION_TOKEN", "local-runtime-api-session-token".to_owned()),
        ("LAMBDA_TASK_ROOT", task_root),
        ("_HANDLER", "bootstrap".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
        ("DYNAMODB_ENDPOINT", dynamodb_endpoint.to_owned()),
        ("JWT_SECRET", jwt_secret.to_owned()),
    ] {
        env.insert(key.to_owned(), value);
    }
    env
}

async fn serve(listener: tokio::net::TcpListener, state: Arc<Mutex<Pending>>, function_arn: String) {
    let function_arn = Arc::new(function_arn);
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let state = state.clone();
        let function_arn = function_arn.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                let function_arn = function_arn.clone();
                async move { Ok::<_, Infallible>(runtime_api(request, &state, &function_arn).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// `next` hands out the pending event once (later polls wait: the process is
/// killed meanwhile); `response`, `error` and `init/error` end the invocation.
async fn runtime_api(
    request: hyper::Request<Incoming>,
    state: &Mutex<Pending>,
    function_arn: &str,
) -> hyper::Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let is_post = request.method() == http::Method::POST;
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let at = Instant::now();
    let finished = |posted| {
        let mut pending = state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(done) = pending.done.take() {
            let _ = done.send(Outcome { polled: pending.polled, at, posted, body: body.clone() });
        }
        reply(202, Bytes::from_static(b"{\"status\":\"OK\"}"), &[])
    };
    match path.strip_prefix("/2018-06-01/runtime/") {
        Some("invocation/next") => {
            let next = {
                let mut pending = state.lock().unwrap_or_else(|p| p.into_inner());
                pending.polled.get_or_insert(at);
                pending.event.take()
            };
            let Some((request_id, event)) = next else {
                tokio::time::sleep(INVOKE_TIMEOUT * 2).await;
                return reply(500, Bytes::new(), &[]);
            };
            let deadline = std::time::SystemTime::now() + Duration::from_secs(10);
            let deadline_ms = deadline.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
            reply(
                200,
                Bytes::from(event.to_string()),
                &[
                    ("lambda-runtime-aws-request-id", request_id),
                    ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
                    ("lambda-runtime-invoked-function-arn", function_arn.to_owned()),
                    ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned()),
                ],
            )
        }
        Some("init/error") if is_post => finished(Posted::InitError),
        Some(rest) if is_post && rest.starts_with("invocation/") && rest.ends_with("/response") => {
            finished(Posted::Response)
        }
        Some(rest) if is_post && rest.starts_with("invocation/") && rest.ends_with("/error") => finished(Posted::Error),
        _ => reply(404, Bytes::from_static(b"{\"errorMessage\":\"unknown runtime API path\"}"), &[]),
    }
}

fn reply(status: u16, body: Bytes, headers: &[(&str, String)]) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(body));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(*name), http::HeaderValue::try_from(value.as_str()))
        {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
