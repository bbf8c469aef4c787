//! Who may call a route, as a type.
//!
//! A route names its access with `type Caller` in its [`Route`](crate::Route)
//! impl; the glue resolves that type from the request before the handler runs
//! and hands it over as an argument, so a handler cannot forget the check. The
//! same kind is declared in `functions/routes.toml`, from which the template's
//! `Authorizer: NONE` is generated, and the generated registry does not compile
//! if the two disagree.
//!
//! Privilege is re-checked where it is used. The authorizer's answer (and so
//! the role in the request context) may be cached for the authorizer cache
//! TTL; a caller whose token claims the admin role is therefore checked again
//! against the store ([`SessionsRepo::check`]: the session is live, the user
//! exists, and their role *now*) before any handler runs. A demoted, deleted or
//! logged-out admin is refused at once, on every route, whatever the handler
//! does. Callers with the user role get nothing from a stale token that the
//! authorizer's own check does not end within its cache TTL.

use std::future::Future;

use lambda_http::Request;

use crate::clock::Now;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::http::{authorizer_field, path_param};
use crate::repo::sessions::{SessionState, SessionsRepo};

/// The four kinds of access a route can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// Anyone; the route has no authorizer.
    Public,
    /// Any signed-in user.
    User,
    /// Signed-in admins only.
    Admin,
    /// The user the path's `{id}` names, or an admin.
    SelfOrAdmin,
}

impl AccessKind {
    pub const ALL: [Self; 4] = [Self::Public, Self::User, Self::Admin, Self::SelfOrAdmin];

    /// The name used in `functions/routes.toml` and openapi.yaml's `x-access`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::User => "user",
            Self::Admin => "admin",
            Self::SelfOrAdmin => "self-or-admin",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether API Gateway's JWT authorizer guards the route.
    pub fn needs_token(self) -> bool {
        self != Self::Public
    }
}

/// What resolving a caller may consult: the session check, for callers whose
/// token claims the admin role. Built once per cold start, for routes that
/// need a token.
#[derive(Clone, Default)]
pub struct Gate {
    sessions: Option<SessionsRepo>,
}

impl Gate {
    /// A gate that re-checks privileged callers against the store.
    pub fn checking(sessions: SessionsRepo) -> Self {
        Self { sessions: Some(sessions) }
    }
}

/// A caller type a route can ask for. `resolve` refuses the request (401, 403)
/// when the caller does not qualify.
pub trait Access: Sized + Send {
    const KIND: AccessKind;
    fn resolve(req: &Request, gate: &Gate) -> impl Future<Output = ApiResult<Self>> + Send;
}

/// Who is calling, as the authorizer established it (and, for an admin, as the
/// store confirms it now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    /// The login session the caller's access token belongs to.
    pub session_id: String,
}

impl Caller {
    /// Reads the authorizer context that API Gateway (or the local gateway) put on
    /// the request. Its absence means the route was deployed without the
    /// authorizer, which we refuse rather than trust.
    fn from_request(req: &Request) -> ApiResult<Self> {
        let text = |key: &str| authorizer_field(req, key).filter(|s| !s.is_empty());
        let missing = || ApiError::Unauthorized("authentication is required".into());
        let user_id = text("user_id").ok_or_else(missing)?;
        let username = text("username").ok_or_else(missing)?;
        let role = text("role").and_then(|r| r.parse().ok()).ok_or_else(missing)?;
        let session_id = text("sid").ok_or_else(missing)?;
        Ok(Self { user_id, username, role, session_id })
    }

    /// The caller as the authorizer established it; if the token claims the
    /// admin role, as the store has it now: the session must be live, and the
    /// role is the user's current one.
    async fn current(req: &Request, gate: &Gate) -> ApiResult<Self> {
        let claimed = Self::from_request(req)?;
        if claimed.role != Role::Admin {
            return Ok(claimed);
        }
        let sessions =
            gate.sessions.as_ref().ok_or_else(|| ApiError::internal("no session check for a privileged caller"))?;
        match sessions.check(&claimed.user_id, &claimed.session_id, Now::read()).await? {
            SessionState::Active(session) => {
                if session.user.role != claimed.role {
                    tracing::info!(user_id = %claimed.user_id, role = %session.user.role, "the token's admin role is gone");
                }
                Ok(Self { role: session.user.role, username: session.user.username.clone(), ..claimed })
            }
            SessionState::Ended(reason) => {
                tracing::info!(user_id = %claimed.user_id, ?reason, "a privileged caller's session has ended");
                Err(ApiError::Unauthorized("the session has ended; log in again".into()))
            }
        }
    }

    /// For decisions inside a route that depend on the role (an admin may read
    /// any order, change a role); route-level access is the `Caller` type.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A public route: nobody is refused.
#[derive(Debug, Clone, Copy)]
pub struct Public;

impl Access for Public {
    const KIND: AccessKind = AccessKind::Public;
    async fn resolve(_req: &Request, _gate: &Gate) -> ApiResult<Self> {
        Ok(Self)
    }
}

/// Any signed-in user.
#[derive(Debug, Clone)]
pub struct User(pub Caller);

impl Access for User {
    const KIND: AccessKind = AccessKind::User;
    async fn resolve(req: &Request, gate: &Gate) -> ApiResult<Self> {
        Caller::current(req, gate).await.map(Self)
    }
}

impl std::ops::Deref for User {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// A signed-in admin; anyone else gets 403.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

impl Access for Admin {
    const KIND: AccessKind = AccessKind::Admin;
    async fn resolve(req: &Request, gate: &Gate) -> ApiResult<Self> {
        let caller = Caller::current(req, gate).await?;
        if caller.is_admin() {
            Ok(Self(caller))
        } else {
            Err(ApiError::Forbidden("this action requires the admin role".into()))
        }
    }
}

impl std::ops::Deref for Admin {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// The user named by the path's `{id}`, or an admin. Anyone else gets 403,
/// without learning whether that user exists.
#[derive(Debug, Clone)]
pub struct SelfOrAdmin {
    pub caller: Caller,
    /// The path's `{id}`: the caller's own id unless the caller is an admin.
    pub user_id: String,
}

impl SelfOrAdmin {
    /// Whether the caller acts on their own account.
    pub fn is_self(&self) -> bool {
        self.caller.user_id == self.user_id
    }
}

impl Access for SelfOrAdmin {
    const KIND: AccessKind = AccessKind::SelfOrAdmin;
    async fn resolve(req: &Request, gate: &Gate) -> ApiResult<Self> {
        let caller = Caller::current(req, gate).await?;
        let user_id = path_param(req, "id")?.to_owned();
        if caller.is_admin() || caller.user_id == user_id {
            Ok(Self { caller, user_id })
        } else {
            Err(ApiError::Forbidden("you may only access your own account".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    use std::collections::HashMap;

    fn request(user: Option<(&str, &str)>, id: Option<&str>) -> Request {
        let mut req = http::Request::builder().uri("/users/x").body(lambda_http::Body::Empty).expect("request");
        if let Some((user_id, role)) = user {
            let mut context = lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequestContext::default();
            context.authorizer.fields = HashMap::from([
                ("user_id".to_owned(), user_id.into()),
                ("username".to_owned(), "someone".into()),
                ("role".to_owned(), role.into()),
                ("sid".to_owned(), "session-1".into()),
            ]);
            req = req.with_request_context(RequestContext::ApiGatewayV1(context));
        }
        if let Some(id) = id {
            req = req.with_path_parameters(HashMap::from([("id".to_owned(), id.to_owned())]));
        }
        req
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in AccessKind::ALL {
            assert_eq!(AccessKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AccessKind::parse("owner"), None);
        assert!(!AccessKind::Public.needs_token());
        assert!(AccessKind::SelfOrAdmin.needs_token());
    }

    #[tokio::test]
    async fn public_admits_anyone() {
        assert!(Public::resolve(&request(None, None), &Gate::default()).await.is_ok());
    }

    #[tokio::test]
    async fn user_needs_the_authorizer_context() {
        let gate = Gate::default();
        assert_eq!(User::resolve(&request(None, None), &gate).await.unwrap_err().code(), "UNAUTHORIZED");
        let user = User::resolve(&request(Some(("u1", "user")), None), &gate).await.expect("user");
        assert_eq!((user.user_id.as_str(), user.session_id.as_str()), ("u1", "session-1"));
        let bad_role = request(Some(("u1", "root")), None);
        assert_eq!(User::resolve(&bad_role, &gate).await.unwrap_err().code(), "UNAUTHORIZED");
    }

    #[tokio::test]
    async fn admin_refuses_users_with_403() {
        let gate = Gate::default();
        assert_eq!(Admin::resolve(&request(Some(("u1", "user")), None), &gate).await.unwrap_err().code(), "FORBIDDEN");
        assert_eq!(Admin::resolve(&request(None, None), &gate).await.unwrap_err().code(), "UNAUTHORIZED");
    }

    /// An admin claim is never taken on the token's word: without the store to
    /// check it against, it is refused (the API tests cover the check itself).
    #[tokio::test]
    async fn an_admin_claim_is_never_admitted_unchecked() {
        let gate = Gate::default();
        for req in [request(Some(("a1", "admin")), None), request(Some(("a1", "admin")), Some("u2"))] {
            assert_eq!(Admin::resolve(&req, &gate).await.unwrap_err().code(), "INTERNAL");
            assert_eq!(User::resolve(&req, &gate).await.unwrap_err().code(), "INTERNAL");
            assert_eq!(SelfOrAdmin::resolve(&req, &gate).await.unwrap_err().code(), "INTERNAL");
        }
    }

    #[tokio::test]
    async fn self_or_admin_admits_the_named_user_only_without_privilege() {
        let gate = Gate::default();
        let own = SelfOrAdmin::resolve(&request(Some(("u1", "user")), Some("u1")), &gate).await.expect("self");
        assert!(own.is_self());
        let other = SelfOrAdmin::resolve(&request(Some(("u1", "user")), Some("u2")), &gate).await.unwrap_err();
        assert_eq!(other.code(), "FORBIDDEN");
        let no_id = SelfOrAdmin::resolve(&request(Some(("u1", "user")), None), &gate).await.unwrap_err();
        assert_eq!(no_id.code(), "NOT_FOUND");
    }
}
