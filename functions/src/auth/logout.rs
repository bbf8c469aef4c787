//! `POST /auth/logout`: ends the session a refresh token belongs to. Idempotent:
//! an unknown, expired or already revoked token is still a 200.

use lambda_http::Request;
use serde_json::json;
use shared::access::Public;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{json_body, ClientInfo, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::auth::AuthRepo;
use shared::token::refresh_token_hash;
use shared::{ApiResult, InitContext, Route};

use super::RefreshTokenBody;
use crate::audit;

pub struct Logout {
    auth: AuthRepo,
    audit: AuditRepo,
}

impl Route for Logout {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { auth: ctx.auth_repo().await?, audit: ctx.audit_repo().await? })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let body: RefreshTokenBody = json_body(&req)?;
        let now = Now::read();
        let Some(hash) = refresh_token_hash(body.refresh_token.expose()) else { return Ok(logged_out()) };
        if let Some(session) = self.auth.revoke_session_of(&hash, now).await? {
            // Done by whoever holds the session's refresh token: its owner.
            let event = AuditEvent::new(AuditType::Logout, now)
                .subject(Some(&session.user_id), None)
                .session(&session.session_id);
            audit::record(&self.audit, audit::from(event, &ClientInfo::of(&req))).await;
        }
        Ok(logged_out())
    }
}

fn logged_out() -> Reply {
    Reply::ok(json!({ "logged_out": true })).message("the session has ended")
}
