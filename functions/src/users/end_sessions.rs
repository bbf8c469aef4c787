//! `DELETE /users/{id}/sessions` (admin): ends every session of a user — one
//! revocation marker, however many there are. The user can log in again; to
//! lock them out, change their password or delete them.

use lambda_http::Request;
use serde_json::json;
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{path_param, ClientInfo, Reply};
use shared::repo::audit::AuditEvent;
use shared::{ApiResult, InitContext, Route};

use super::{existing_user, AccountControl};
use crate::audit;

pub struct UsersEndSessions(AccountControl);

impl Route for UsersEndSessions {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        AccountControl::init(ctx).await.map(Self)
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let user = existing_user(&self.0.users, path_param(&req, "id")?).await?;
        let now = Now::read();
        self.0.revoker.revoke(&user.id, now).await?;
        tracing::info!(user_id = %user.id, by = %caller.user_id, "every session of the user ended");
        let event = AuditEvent::new(AuditType::SessionEnded, now)
            .subject(Some(&user.id), Some(&user.username))
            .detail("scope", "every session");
        audit::record(&self.0.audit, audit::by(event, &caller, &ClientInfo::of(&req))).await;
        Ok(Reply::ok(json!({ "id": user.id, "sessions_ended": true })).message("every session of the user has ended"))
    }
}
