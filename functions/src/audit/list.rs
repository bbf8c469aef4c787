//! `GET /audit`: the audit trail, newest first, paginated. Admins read every
//! event and filter by `?user_id=` (whom it concerns), `?actor_id=` (who did
//! it), `?type=` and a time range (`?from=`, `?to=`, RFC 3339, inclusive).
//! Anyone else reads their own security events only: `user_id` is theirs
//! whatever they pass (another id is a 403), and admin-only types
//! (product and order changes) are never theirs to see.

use lambda_http::Request;
use shared::access::User;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{page_request, query_param, Reply};
use shared::repo::audit::{AuditFilter, AuditRepo};
use shared::{ApiError, ApiResult, InitContext, Route};

use crate::users::Problems;

pub struct AuditList {
    audit: AuditRepo,
}

/// A time bound of the range, in the stored form.
fn bound(raw: &str) -> Result<String, String> {
    Now::parse_rfc3339(raw).map(Now::rfc3339).ok_or_else(|| "must be an RFC 3339 time".to_owned())
}

impl Route for AuditList {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { audit: ctx.audit_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let page = page_request(&req)?;
        let param = |name: &str| query_param(&req, name).filter(|v| !v.is_empty());
        let mut problems = Problems::default();
        // Present means given: an empty type or time is invalid, not absent.
        let kind = query_param(&req, "type").and_then(|t| problems.check("type", t.parse::<AuditType>()));
        let from = query_param(&req, "from").and_then(|t| problems.check("from", bound(t)));
        let to = query_param(&req, "to").and_then(|t| problems.check("to", bound(t)));
        problems.into_result()?;
        let mut filter = AuditFilter {
            subject: param("user_id").map(str::to_owned),
            actor: param("actor_id").map(str::to_owned),
            kinds: kind.map(|k| vec![k]),
            from,
            to,
        };
        if !caller.is_admin() {
            let own = |id: &Option<String>| id.as_deref().is_none_or(|id| id == caller.user_id);
            if !own(&filter.subject) || !own(&filter.actor) || kind.is_some_and(|k| !k.is_security()) {
                return Err(ApiError::Forbidden("you may only read your own security events".into()));
            }
            filter.subject = Some(caller.user_id.clone());
            let security = AuditType::ALL.into_iter().filter(|k| k.is_security()).collect();
            filter.kinds = Some(kind.map(|k| vec![k]).unwrap_or(security));
        }
        Ok(Reply::ok(self.audit.list(&filter, &page).await?))
    }
}
