//! The HTTP server in front of [`Gateway`]: one task per connection, one log line
//! per request, graceful shutdown.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::Instrument;

use crate::gateway::{Gateway, MAX_PAYLOAD_BYTES};
use crate::metrics::Metrics;

/// What the server shares between connections.
pub struct ServerState {
    pub gateway: Gateway,
    pub metrics: Metrics,
}

/// Accepts connections until `shutdown` flips to true, then lets in-flight
/// requests finish.
pub async fn serve(listener: TcpListener, state: Arc<ServerState>, mut shutdown: watch::Receiver<bool>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let state = state.clone();
                let service = hyper::service::service_fn(move |request| {
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(handle(&state, request, peer).await) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown()).await;
}

async fn handle(
    state: &ServerState,
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
) -> hyper::Response<Full<Bytes>> {
    if request.method() == http::Method::GET && request.uri().path() == "/metrics" {
        let mut response = hyper::Response::new(Full::new(Bytes::from(state.metrics.render())));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        return response;
    }
    if request.method() == http::Method::GET && request.uri().path() == "/openapi.json" {
        return openapi_response();
    }
    let gateway = &state.gateway;
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::info_span!("request", request_id = %request_id);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let (parts, body) = request.into_parts();
    let (response, route, function) = match Limited::new(body, MAX_PAYLOAD_BYTES).collect().await {
        Ok(collected) => {
            let request = http::Request::from_parts(parts, collected.to_bytes());
            let outcome = gateway.handle(request, peer, &request_id).instrument(span.clone()).await;
            (outcome.response, outcome.route, outcome.function)
        }
        Err(_) => (gateway.payload_too_large(&request_id), None, None),
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    let error_code = envelope_error_code(response.body());
    state.metrics.record(&shared::metrics::RequestOutcome {
        function: function.as_deref().unwrap_or("gateway"),
        status,
        error_code: error_code.as_deref(),
        latency: elapsed,
    });
    span.in_scope(|| {
        tracing::info!(
            %method,
            %path,
            status,
            ms = format!("{elapsed_ms:.1}"),
            route = route.as_deref().unwrap_or("-"),
            "request"
        )
    });
    let (parts, body) = response.into_parts();
    hyper::Response::from_parts(parts, Full::new(body))
}

/// `GET /openapi.json`: the contract as JSON, or a 500 envelope if the
/// compiled-in YAML does not parse.
fn openapi_response() -> hyper::Response<Full<Bytes>> {
    let (status, body) = match crate::openapi::json() {
        Some(json) => (http::StatusCode::OK, Bytes::from_static(json.as_bytes())),
        None => {
            let error = shared::ApiError::internal("openapi.yaml does not parse");
            (error.status(), Bytes::from(error.envelope().to_string()))
        }
    };
    let mut response = hyper::Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

/// The `error.code` of an error envelope, if the body is one.
fn envelope_error_code(body: &Bytes) -> Option<String> {
    if !body.starts_with(b"{\"success\":false") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value["error"]["code"].as_str().map(str::to_owned)
}
