//! `DELETE /auth/sessions`: signs the caller out everywhere else — every live
//! session but the one the caller's token belongs to ends.

use lambda_http::Request;
use serde_json::json;
use shared::access::User;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{ClientInfo, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::auth::AuthRepo;
use shared::repo::page::PageRequest;
use shared::repo::sessions::SessionsRepo;
use shared::{ApiResult, InitContext, Route};

use crate::audit;

/// Pages of sessions read at most (of 100 each): far more than anyone has.
const MAX_PAGES: usize = 50;

pub struct SessionsEndOthers {
    sessions: SessionsRepo,
    auth: AuthRepo,
    audit: AuditRepo,
}

impl Route for SessionsEndOthers {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { sessions: ctx.sessions_repo().await?, auth: ctx.auth_repo().await?, audit: ctx.audit_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let now = Now::read();
        let mut page = PageRequest { limit: PageRequest::MAX_LIMIT, cursor: None };
        let mut ended = Vec::new();
        for _ in 0..MAX_PAGES {
            let sessions = self.sessions.list(&caller.user_id, &page, now).await?;
            for session in sessions.items.iter().filter(|s| s.id != caller.session_id) {
                self.auth.end_session(&session.id, now).await?;
                ended.push(session.id.clone());
            }
            match sessions.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        tracing::info!(user_id = %caller.user_id, ended = ended.len(), "signed out everywhere else");
        if !ended.is_empty() {
            let event = AuditEvent::new(AuditType::SessionEnded, now)
                .subject(Some(&caller.user_id), Some(&caller.username))
                .detail("ended", json!(ended))
                .detail("scope", "every other session");
            audit::record(&self.audit, audit::by(event, &caller, &ClientInfo::of(&req))).await;
        }
        Ok(Reply::ok(json!({ "ended": ended.len(), "kept": caller.session_id }))
            .message("every other session has ended"))
    }
}
