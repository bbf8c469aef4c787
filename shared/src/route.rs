//! Routes and event functions as the transports see them.
//!
//! A [`Route`] is built once per cold start from an [`InitContext`] and then
//! serves requests; its `Caller` type is resolved from the request before its
//! handler runs. Each route's name, method, path and access are declared once in
//! `functions/routes.toml`, from which `cargo xtask gen` writes a [`RouteDecl`]
//! per route, the binaries and the template. The Lambda runtime
//! ([`crate::lambda`]) and the local gateway serve the same [`Served`] routes.

use std::future::Future;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use lambda_http::{Body, Request};
use tokio::sync::OnceCell;

use crate::access::{Access, AccessKind, Gate};
use crate::config::{ConfigError, Env, Tables};
use crate::error::ApiResult;
use crate::http::{into_http_response, Reply};

/// A route as `functions/routes.toml` declares it (generated into
/// `functions/src/routes.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteDecl {
    /// The function's name: its binary, its `BuildProperties: Binary` in
    /// `template.yaml` and its metrics dimension.
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub access: AccessKind,
}

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

    /// Session checks: the auth table's sessions and the users table's users.
    pub async fn sessions_repo(&self) -> Result<crate::repo::sessions::SessionsRepo, ConfigError> {
        let auth = self.env().required(Tables::AUTH_VAR)?.to_owned();
        let users = self.env().required(Tables::USERS_VAR)?.to_owned();
        Ok(crate::repo::sessions::SessionsRepo::new(self.dynamodb().await?, auth, users))
    }

    pub async fn audit_repo(&self) -> Result<crate::repo::audit::AuditRepo, ConfigError> {
        let table = self.env().required(Tables::AUDIT_VAR)?.to_owned();
        Ok(crate::repo::audit::AuditRepo::new(self.dynamodb().await?, table))
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

    pub async fn carts_repo(&self) -> Result<crate::repo::carts::CartsRepo, ConfigError> {
        let table = self.env().required(Tables::CARTS_VAR)?.to_owned();
        Ok(crate::repo::carts::CartsRepo::new(self.dynamodb().await?, table))
    }

    pub async fn notifications_repo(&self) -> Result<crate::repo::notifications::NotificationsRepo, ConfigError> {
        let table = self.env().required(Tables::NOTIFICATIONS_VAR)?.to_owned();
        Ok(crate::repo::notifications::NotificationsRepo::new(self.dynamodb().await?, table))
    }

    pub fn token_service(&self) -> Result<crate::token::TokenService, ConfigError> {
        crate::token::TokenService::from_env(self.env())
    }
}

/// One HTTP route: its dependencies, built once, and its handler.
pub trait Route: Sized + Send + Sync + 'static {
    /// Who may call the route ([`crate::access`]): resolved before `handle`
    /// runs, which receives it.
    type Caller: Access;

    /// Builds the route's dependencies; an error fails the cold start.
    fn init(ctx: &InitContext) -> impl Future<Output = Result<Self, ConfigError>> + Send;

    /// Handles one request from an admitted caller. Every failure is an `ApiError`.
    fn handle(&self, caller: Self::Caller, req: Request) -> impl Future<Output = ApiResult<Reply>> + Send;
}

/// Compiles only when route `R` asks for caller type `C`: the generated registry
/// calls it with the access `functions/routes.toml` declares.
pub fn declared_access<R: Route<Caller = C>, C: Access>() -> AccessKind {
    C::KIND
}

/// A route as a transport serves it: its declaration, the handler, plus what
/// every response of the function carries (the CORS origin from
/// `CORS_ALLOW_ORIGIN`: with a proxy integration API Gateway adds no CORS
/// headers to a function's own answers).
pub struct Served<R> {
    decl: &'static RouteDecl,
    route: R,
    gate: Gate,
    cors_origin: Option<http::HeaderValue>,
}

impl<R: Route> Served<R> {
    pub async fn init(decl: &'static RouteDecl, ctx: &InitContext) -> Result<Self, ConfigError> {
        let cors_origin = match ctx.env().get("CORS_ALLOW_ORIGIN") {
            None => None,
            Some(origin) => Some(http::HeaderValue::from_str(origin).map_err(|_| ConfigError::Invalid {
                var: "CORS_ALLOW_ORIGIN",
                reason: "not a valid header value".into(),
            })?),
        };
        // Routes behind the authorizer re-check privileged callers (crate::access).
        let gate =
            if R::Caller::KIND.needs_token() { Gate::checking(ctx.sessions_repo().await?) } else { Gate::default() };
        Ok(Self { decl, route: R::init(ctx).await?, gate, cors_origin })
    }

    pub fn decl(&self) -> &'static RouteDecl {
        self.decl
    }

    /// Admits the caller and runs the handler; returns the HTTP response and
    /// the error code, if any.
    pub async fn respond(&self, req: Request) -> (http::Response<Body>, Option<&'static str>) {
        let result = match R::Caller::resolve(&req, &self.gate).await {
            Ok(caller) => self.route.handle(caller, req).await,
            Err(refused) => Err(refused),
        };
        let error_code = result.as_ref().err().map(crate::error::ApiError::code);
        let mut response = into_http_response(result);
        let headers = response.headers_mut();
        for (name, value) in crate::http::SECURITY_HEADERS {
            headers.insert(name, http::HeaderValue::from_static(value));
        }
        if let Some(origin) = &self.cors_origin {
            headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
                http::HeaderValue::from_static(crate::http::EXPOSED_HEADERS),
            );
            if origin != "*" {
                headers.insert(http::header::VARY, http::HeaderValue::from_static("Origin"));
            }
        }
        (response, error_code)
    }
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

/// Builds one declared route, type-erased: what a transport's registry holds.
pub type RouteBuilder = for<'a> fn(
    &'static RouteDecl,
    &'a InitContext,
) -> lambda_http::BoxFuture<'a, Result<Arc<dyn DynRoute>, ConfigError>>;

/// A declared route and its builder: one entry of the generated registry.
pub struct Registered {
    pub decl: &'static RouteDecl,
    pub build: RouteBuilder,
    /// `std::any::type_name` of the handler, for checks that its binary runs it.
    pub handler: fn() -> &'static str,
}

impl Registered {
    pub fn build<'a>(
        &self,
        ctx: &'a InitContext,
    ) -> lambda_http::BoxFuture<'a, Result<Arc<dyn DynRoute>, ConfigError>> {
        (self.build)(self.decl, ctx)
    }
}

/// The [`RouteBuilder`] of route `R`.
pub fn build<'a, R: Route>(
    decl: &'static RouteDecl,
    ctx: &'a InitContext,
) -> lambda_http::BoxFuture<'a, Result<Arc<dyn DynRoute>, ConfigError>> {
    Box::pin(async move { Ok(Arc::new(Served::<R>::init(decl, ctx).await?) as Arc<dyn DynRoute>) })
}

/// A function invoked with a plain event rather than an HTTP request (the
/// authorizer). Same life cycle as a [`Route`].
pub trait EventHandler: Sized + Send + Sync + 'static {
    type Event: serde::de::DeserializeOwned + Send;
    type Output: serde::Serialize + Send;

    fn init(ctx: &InitContext) -> impl Future<Output = Result<Self, ConfigError>> + Send;

    /// An `Err` becomes a Lambda invocation error whose message API Gateway reads
    /// (`"Unauthorized"` → 401 for an authorizer).
    fn handle(&self, event: Self::Event) -> impl Future<Output = Result<Self::Output, lambda_runtime::Error>> + Send;
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
