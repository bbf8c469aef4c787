//! `POST /users` (admin): create a user with any role.

use lambda_http::Request;
use shared::access::Admin;
use shared::config::ConfigError;
use shared::http::{json_body, Reply};
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use super::{create_user, NewUserBody};

pub struct CreateUser {
    users: UsersRepo,
}

impl Route for CreateUser {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let user = json_body::<NewUserBody>(&req)?.parse(true)?.into_record().await?;
        create_user(&self.users, &user).await?;
        tracing::info!(user_id = %user.id, by = %caller.user_id, role = %user.role, "user created");
        Ok(Reply::created(UserView::from(&user)))
    }
}
