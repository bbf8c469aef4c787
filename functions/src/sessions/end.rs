//! `DELETE /auth/sessions/{id}`: ends one session — the caller's own (the
//! current one included: that is a logout) or, for an admin, anyone's. To
//! anyone else a session does not exist (404). Idempotent. Access tokens of
//! the session stop within the authorizer cache TTL, refresh at once.

use lambda_http::Request;
use serde_json::json;
use shared::access::User;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::ClientInfo;
use shared::http::{path_param, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::auth::AuthRepo;
use shared::repo::sessions::SessionsRepo;
use shared::{ApiResult, InitContext, Route};

use super::{no_such_session, session_id};
use crate::audit;

pub struct SessionsEnd {
    sessions: SessionsRepo,
    auth: AuthRepo,
    audit: AuditRepo,
}

impl Route for SessionsEnd {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { sessions: ctx.sessions_repo().await?, auth: ctx.auth_repo().await?, audit: ctx.audit_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let id = session_id(path_param(&req, "id")?)?;
        let session = self.sessions.get(id.as_str()).await?;
        let session =
            session.filter(|s| s.user_id == caller.user_id || caller.is_admin()).ok_or_else(no_such_session)?;
        let now = Now::read();
        self.auth.end_session(&session.id, now).await?;
        tracing::info!(session_id = %session.id, user_id = %session.user_id, by = %caller.user_id, "session ended");
        let event = AuditEvent::new(AuditType::SessionEnded, now)
            .subject(Some(&session.user_id), None)
            .detail("ended", json!([session.id]));
        audit::record(&self.audit, audit::by(event, &caller, &ClientInfo::of(&req))).await;
        Ok(Reply::ok(json!({ "id": session.id, "ended": true })).message("the session has ended"))
    }
}
