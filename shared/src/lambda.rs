//! The glue between a route's handler and its transports.
//!
//! A [`Route`] is built once per cold start from an [`InitContext`] and then
//! serves requests. [`run`] is the whole `main` of every HTTP function binary;
//! the local gateway builds the same [`Served`] routes and calls them through
//! lambda_http's own event adapter.

use std::future::Future;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use lambda_http::{service_fn, Body, Request};
use tokio::sync::OnceCell;
use tracing::Instrument;

use crate::config::{ConfigError, Env, Tables};
use crate::error::ApiResult;
use crate::http::{into_http_response, Reply};

/// What a route may draw on while it is built. Clients are created lazily and
/// shared, so a route that needs no DynamoDB does not pay for one.
#[derive(Clone)]
pub struct InitContext {
    inner: Arc<InitInner>,
}

struct InitInner {
    env: Env,
    dynamodb: OnceCell<Client>,
}

impl InitContext {
    pub fn new(env: Env) -> Self {
        Self { inner: Arc::new(InitInner { env, dynamodb: OnceCell::new() }) }
    }

    /// A context whose DynamoDB client is already built (the local gateway shares
    /// one client between all its functions).
    pub fn with_dynamodb(env: Env, client: Client) -> Self {
        Self { inner: Arc::new(InitInner { env, dynamodb: OnceCell::new_with(Some(client)) }) }
    }

    pub fn env(&self) -> &Env {
        &self.inner.env
    }

    pub fn tables(&self) -> Result<Tables, ConfigError> {
        Tables::from_env(self.env())
    }

    pub async fn dynamodb(&self) -> Result<Client, ConfigError> {
        self.inner.dynamodb.get_or_try_init(|| crate::db::client(&self.inner.env)).await.cloned()
    }

    pub async fn users_repo(&self) -> Result<crate::repo::users::UsersRepo, ConfigError> {
        let table = self.env().required(Tables::USERS_VAR)?.to_owned();
        Ok(crate::repo::users::UsersRepo::new(self.dynamodb().await?, table))
    }

    pub async fn auth_repo(&self) -> Result<crate::repo::auth::AuthRepo, ConfigError> {
        let table = self.env().required(Tables::AUTH_VAR)?.to_owned();
        Ok(crate::repo::auth::AuthRepo::new(self.dynamodb().await?, table))
    }

    pub async fn products_repo(&self) -> Result<crate::repo::products::ProductsRepo, ConfigError> {
        let table = self.env().required(Tables::PRODUCTS_VAR)?.to_owned();
        Ok(crate::repo::products::ProductsRepo::new(self.dynamodb().await?, table))
    }

    /// The orders repository; it also needs the products table, whose stock it
    /// moves in the same transactions as the orders.
    pub async fn orders_repo(&self) -> Result<crate::repo::orders::OrdersRepo, ConfigError> {
        let table = self.env().required(Tables::ORDERS_VAR)?.to_owned();
        let products = self.env().required(Tables::PRODUCTS_VAR)?.to_owned();
        Ok(crate::repo::orders::OrdersRepo::new(self.dynamodb().await?, table, products))
    }

    pub fn token_service(&self) -> Result<crate::token::TokenService, ConfigError> {
        crate::token::TokenService::from_env(self.env())
    }
}

/// One HTTP route: its dependencies, built once, and its handler.
pub trait Route: Sized + Send + Sync + 'static {
    /// The function's name: its binary in `functions/src/bin/`, its
    /// `BuildProperties: Binary` in `template.yaml` and its metrics dimension.
    const NAME: &'static str;

    /// Builds the route's dependencies; an error fails the cold start.
    fn init(ctx: &InitContext) -> impl Future<Output = Result<Self, ConfigError>> + Send;

    /// Handles one request. Every failure is an `ApiError`.
    fn handle(&self, req: Request) -> impl Future<Output = ApiResult<Reply>> + Send;
}

/// A route as a transport serves it: the handler, plus what every response of
/// the function carries (the CORS origin from `CORS_ALLOW_ORIGIN`: with a proxy
/// integration API Gateway adds no CORS headers to a function's own answers).
pub struct Served<R> {
    route: R,
    cors_origin: Option<http::HeaderValue>,
}

impl<R: Route> Served<R> {
    pub async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        let cors_origin = match ctx.env().get("CORS_ALLOW_ORIGIN") {
            None => None,
            Some(origin) => Some(http::HeaderValue::from_str(origin).map_err(|_| ConfigError::Invalid {
                var: "CORS_ALLOW_ORIGIN",
                reason: "not a valid header value".into(),
            })?),
        };
        Ok(Self { route: R::init(ctx).await?, cors_origin })
    }

    /// Runs the handler; returns the HTTP response and the error code, if any.
    pub async fn respond(&self, req: Request) -> (http::Response<Body>, Option<&'static str>) {
        let result = self.route.handle(req).await;
        let error_code = result.as_ref().err().map(crate::error::ApiError::code);
        let mut response = into_http_response(result);
        if let Some(origin) = &self.cors_origin {
            let headers = response.headers_mut();
            headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            if origin != "*" {
                headers.insert(http::header::VARY, http::HeaderValue::from_static("Origin"));
            }
        }
        (response, error_code)
    }
}

/// The `main` of every HTTP function: tracing, config and clients once per cold
/// start, then the Lambda runtime loop. Each invocation logs under a span with
/// the function and the caller, and prints one EMF metrics line.
pub fn run<R: Route>() -> Result<(), lambda_http::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        crate::telemetry::init_json();
        let ctx = InitContext::new(Env::from_process());
        let served = Served::<R>::init(&ctx).await.inspect_err(|e| tracing::error!(error = %e, "cold start failed"))?;
        let served: &'static Served<R> = Box::leak(Box::new(served));
        lambda_http::run(service_fn(move |req: Request| async move {
            let started = std::time::Instant::now();
            let user_id = crate::http::authorizer_field(&req, "user_id").unwrap_or_default();
            let span = tracing::info_span!("handler", function = R::NAME, user_id = %user_id);
            let (response, error_code) = served.respond(req).instrument(span).await;
            let outcome = crate::metrics::RequestOutcome {
                function: R::NAME,
                status: response.status().as_u16(),
                error_code,
                latency: started.elapsed(),
            };
            println!("{}", outcome.emf(crate::clock::Now::read().unix_millis()));
            Ok::<_, lambda_http::Error>(response)
        }))
        .await
    })
}

/// A route with its type erased, for transports that serve many routes.
pub trait DynRoute: Send + Sync {
    fn call(&self, req: Request) -> lambda_http::BoxFuture<'_, http::Response<Body>>;
}

impl<R: Route> DynRoute for Served<R> {
    fn call(&self, req: Request) -> lambda_http::BoxFuture<'_, http::Response<Body>> {
        Box::pin(async move { self.respond(req).await.0 })
    }
}

/// Builds one route, type-erased: what a transport's route registry holds.
pub type RouteBuilder =
    for<'a> fn(&'a InitContext) -> lambda_http::BoxFuture<'a, Result<Arc<dyn DynRoute>, ConfigError>>;

/// The [`RouteBuilder`] of route `R`.
pub fn build<R: Route>(ctx: &InitContext) -> lambda_http::BoxFuture<'_, Result<Arc<dyn DynRoute>, ConfigError>> {
    Box::pin(async move { Ok(Arc::new(Served::<R>::init(ctx).await?) as Arc<dyn DynRoute>) })
}

/// A function invoked with a plain event rather than an HTTP request (the
/// authorizer). Same life cycle as a [`Route`].
pub trait EventHandler: Sized + Send + Sync + 'static {
    /// The function's name, as for [`Route::NAME`].
    const NAME: &'static str;
    type Event: serde::de::DeserializeOwned + Send;
    type Output: serde::Serialize + Send;

    fn init(ctx: &InitContext) -> impl Future<Output = Result<Self, ConfigError>> + Send;

    /// An `Err` becomes a Lambda invocation error whose message API Gateway reads
    /// (`"Unauthorized"` → 401 for an authorizer).
    fn handle(&self, event: Self::Event) -> impl Future<Output = Result<Self::Output, lambda_runtime::Error>> + Send;
}

/// The `main` of an event function.
pub fn run_event<H: EventHandler>() -> Result<(), lambda_runtime::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        crate::telemetry::init_json();
        let ctx = InitContext::new(Env::from_process());
        let handler: &'static H =
            Box::leak(Box::new(H::init(&ctx).await.inspect_err(|e| tracing::error!(error = %e, "cold start failed"))?));
        lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<H::Event>| {
            handler.handle(event.payload)
        }))
        .await
    })
}

/// An event function with its types erased: JSON in, JSON out, as Lambda sees it.
pub trait DynEventHandler: Send + Sync {
    fn invoke(&self, payload: serde_json::Value) -> lambda_http::BoxFuture<'_, Result<serde_json::Value, String>>;
}

impl<H: EventHandler> DynEventHandler for H {
    fn invoke(&self, payload: serde_json::Value) -> lambda_http::BoxFuture<'_, Result<serde_json::Value, String>> {
        Box::pin(async move {
            let event: H::Event = serde_json::from_value(payload).map_err(|e| format!("bad event: {e}"))?;
            let output = self.handle(event).await.map_err(|e| e.to_string())?;
            serde_json::to_value(output).map_err(|e| e.to_string())
        })
    }
}

/// Builds one event function, type-erased.
pub type EventHandlerBuilder =
    for<'a> fn(&'a InitContext) -> lambda_http::BoxFuture<'a, Result<Arc<dyn DynEventHandler>, ConfigError>>;

/// The [`EventHandlerBuilder`] of `H`.
pub fn build_event<H: EventHandler>(
    ctx: &InitContext,
) -> lambda_http::BoxFuture<'_, Result<Arc<dyn DynEventHandler>, ConfigError>> {
    Box::pin(async move { Ok(Arc::new(H::init(ctx).await?) as Arc<dyn DynEventHandler>) })
}
