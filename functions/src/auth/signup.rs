//! `POST /auth/signup`: anyone may create an account with the `user` role. A
//! `role` (or any other unknown field) in the body is ignored.

use lambda_http::Request;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::Role;
use shared::http::{json_body, Reply};
use shared::password;
use shared::repo::users::{UserRecord, UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use crate::users::NewUserBody;

pub struct Signup {
    users: UsersRepo,
}

impl Route for Signup {
    const NAME: &'static str = "auth-signup";
    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, req: Request) -> ApiResult<Reply> {
        let new = json_body::<NewUserBody>(&req)?.parse(false)?;
        let now = Now::read().rfc3339();
        let user = UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            username: new.username.as_str().to_owned(),
            email: new.email.map(|e| e.as_str().to_owned()),
            full_name: new.full_name.map(|n| n.as_str().to_owned()),
            role: Role::User,
            password_hash: password::hash(new.password).await?,
            created_at: now.clone(),
            updated_at: now,
        };
        self.users.create(&user).await?;
        tracing::info!(user_id = %user.id, "signed up");
        Ok(Reply::created(UserView::from(&user)))
    }
}
