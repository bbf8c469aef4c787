//! `DELETE /users/{id}` (admin): removes the user and their credentials and
//! revokes every session in the same transaction, so their login and refresh
//! fail at once. The last admin cannot be deleted.

use lambda_http::Request;
use serde_json::json;
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{path_param, ClientInfo, Reply};
use shared::repo::audit::AuditEvent;
use shared::{ApiResult, InitContext, Route};

use super::{change_refused, existing_user, AccountControl};
use crate::audit;

pub struct DeleteUser(AccountControl);

impl Route for DeleteUser {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        AccountControl::init(ctx).await.map(Self)
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let id = path_param(&req, "id")?;
        let user = existing_user(&self.0.users, id).await?;
        let now = Now::read();
        let revoke = self.0.revoker.item(&user.id, now)?;
        let deleted = AuditEvent::new(AuditType::UserDeleted, now)
            .subject(Some(&user.id), Some(&user.username))
            .detail("role", user.role.as_str());
        let record = self.0.audit.append_item(&audit::by(deleted, &caller, &ClientInfo::of(&req)))?;
        self.0.users.delete(&user, vec![revoke, record]).await.map_err(change_refused)?;
        tracing::info!(user_id = %user.id, by = %caller.user_id, "user deleted");
        Ok(Reply::ok(json!({ "id": user.id, "deleted": true })).message("the user and their sessions are gone"))
    }
}
