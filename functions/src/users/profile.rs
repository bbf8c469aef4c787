//! `GET /users/profile`: the caller's own profile.

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::http::Reply;
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use super::existing_user;

pub struct Profile {
    users: UsersRepo,
}

impl Route for Profile {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, caller: User, _req: Request) -> ApiResult<Reply> {
        let user = existing_user(&self.users, &caller.user_id).await?;
        Ok(Reply::ok(UserView::from(&user)))
    }
}
