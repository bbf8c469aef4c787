//! Who may call a route, as a type.
//!
//! A route names its access with `type Caller` in its [`Route`](crate::Route)
//! impl; the glue resolves that type from the request before the handler runs
//! and hands it over as an argument, so a handler cannot forget the check. The
//! same kind is declared in `functions/routes.toml`, from which the template's
//! `Authorizer: NONE` is generated, and the generated registry does not compile
//! if the two disagree.

use lambda_http::Request;

use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::http::{authorizer_field, path_param};

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

/// A caller type a route can ask for. `resolve` refuses the request (401, 403)
/// when the caller does not qualify.
pub trait Access: Sized + Send {
    const KIND: AccessKind;
    fn resolve(req: &Request) -> ApiResult<Self>;
}

/// Who is calling, as the authorizer established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub username: String,
    pub role: Role,
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
        Ok(Self { user_id, username, role })
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
    fn resolve(_req: &Request) -> ApiResult<Self> {
        Ok(Self)
    }
}

/// Any signed-in user.
#[derive(Debug, Clone)]
pub struct User(pub Caller);

impl Access for User {
    const KIND: AccessKind = AccessKind::User;
    fn resolve(req: &Request) -> ApiResult<Self> {
        Caller::from_request(req).map(Self)
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
    fn resolve(req: &Request) -> ApiResult<Self> {
        let caller = Caller::from_request(req)?;
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
    fn resolve(req: &Request) -> ApiResult<Self> {
        let caller = Caller::from_request(req)?;
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

    #[test]
    fn public_admits_anyone() {
        assert!(Public::resolve(&request(None, None)).is_ok());
    }

    #[test]
    fn user_needs_the_authorizer_context() {
        assert_eq!(User::resolve(&request(None, None)).unwrap_err().code(), "UNAUTHORIZED");
        assert_eq!(User::resolve(&request(Some(("u1", "user")), None)).expect("user").user_id, "u1");
        let bad_role = request(Some(("u1", "root")), None);
        assert_eq!(User::resolve(&bad_role).unwrap_err().code(), "UNAUTHORIZED");
    }

    #[test]
    fn admin_refuses_users_with_403() {
        assert_eq!(Admin::resolve(&request(Some(("u1", "user")), None)).unwrap_err().code(), "FORBIDDEN");
        assert_eq!(Admin::resolve(&request(None, None)).unwrap_err().code(), "UNAUTHORIZED");
        assert!(Admin::resolve(&request(Some(("a1", "admin")), None)).is_ok());
    }

    #[test]
    fn self_or_admin_admits_the_named_user_and_admins_only() {
        let own = SelfOrAdmin::resolve(&request(Some(("u1", "user")), Some("u1"))).expect("self");
        assert!(own.is_self());
        let other = SelfOrAdmin::resolve(&request(Some(("u1", "user")), Some("u2"))).unwrap_err();
        assert_eq!(other.code(), "FORBIDDEN");
        let admin = SelfOrAdmin::resolve(&request(Some(("a1", "admin")), Some("u2"))).expect("admin");
        assert!(!admin.is_self());
        assert_eq!(admin.user_id, "u2");
        let no_id = SelfOrAdmin::resolve(&request(Some(("a1", "admin")), None)).unwrap_err();
        assert_eq!(no_id.code(), "NOT_FOUND");
    }
}
