//! `GET /users/profile`: the caller's own profile.

use lambda_http::Request;
use shared::config::ConfigError;
use shared::http::{Caller, Reply};
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use super::existing_user;

pub struct Profile {
    users: UsersRepo,
}

impl Route for Profile {
    const NAME: &'static str = "users-profile";
    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, req: Request) -> ApiResult<Reply> {
        let caller = Caller::from_request(&req)?;
        let user = existing_user(&self.users, &caller.user_id).await?;
        Ok(Reply::ok(UserView::from(&user)))
    }
}
