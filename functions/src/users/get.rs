//! `GET /users/{id}`: self or admin.

use lambda_http::Request;
use shared::access::SelfOrAdmin;
use shared::config::ConfigError;
use shared::http::Reply;
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use super::existing_user;

pub struct GetUser {
    users: UsersRepo,
}

impl Route for GetUser {
    type Caller = SelfOrAdmin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, access: SelfOrAdmin, _req: Request) -> ApiResult<Reply> {
        let user = existing_user(&self.users, &access.user_id).await?;
        Ok(Reply::ok(UserView::from(&user)))
    }
}
