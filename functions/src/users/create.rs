//! `POST /users` (admin): create a user with any role.

use lambda_http::Request;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::http::{json_body, Caller, Reply};
use shared::password;
use shared::repo::users::{UserRecord, UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use super::NewUserBody;

pub struct CreateUser {
    users: UsersRepo,
}

impl Route for CreateUser {
    const NAME: &'static str = "users-create";
    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, req: Request) -> ApiResult<Reply> {
        let caller = Caller::from_request(&req)?;
        caller.require_admin()?;
        let new = json_body::<NewUserBody>(&req)?.parse(true)?;
        let now = Now::read().rfc3339();
        let user = UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            username: new.username.as_str().to_owned(),
            email: new.email.map(|e| e.as_str().to_owned()),
            full_name: new.full_name.map(|n| n.as_str().to_owned()),
            role: new.role,
            password_hash: password::hash(new.password).await?,
            created_at: now.clone(),
            updated_at: now,
        };
        self.users.create(&user).await?;
        tracing::info!(user_id = %user.id, by = %caller.user_id, role = %user.role, "user created");
        Ok(Reply::created(UserView::from(&user)))
    }
}
