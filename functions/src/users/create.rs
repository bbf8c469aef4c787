//! `POST /users` (admin): create a user with any role.

use lambda_http::Request;
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{json_body, ClientInfo, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use super::{create_user, NewUserBody};
use crate::audit;

pub struct CreateUser {
    users: UsersRepo,
    audit: AuditRepo,
}

impl Route for CreateUser {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await?, audit: ctx.audit_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let user = json_body::<NewUserBody>(&req)?.parse(true)?.into_record().await?;
        create_user(&self.users, &user).await?;
        tracing::info!(user_id = %user.id, by = %caller.user_id, role = %user.role, "user created");
        let created = AuditEvent::new(AuditType::UserCreated, Now::read())
            .subject(Some(&user.id), Some(&user.username))
            .detail("role", user.role.as_str())
            .detail("via", "admin");
        audit::record(&self.audit, audit::by(created, &caller, &ClientInfo::of(&req))).await;
        Ok(Reply::created(UserView::from(&user)))
    }
}
