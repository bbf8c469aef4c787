//! `GET /users/{id}`: self or admin.

use lambda_http::Request;
use shared::config::ConfigError;
use shared::http::{path_param, Caller, Reply};
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use super::{ensure_self_or_admin, existing_user};

pub struct GetUser {
    users: UsersRepo,
}

impl Route for GetUser {
    const NAME: &'static str = "users-get";
    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, req: Request) -> ApiResult<Reply> {
        let caller = Caller::from_request(&req)?;
        let id = path_param(&req, "id")?;
        ensure_self_or_admin(&caller, id)?;
        let user = existing_user(&self.users, id).await?;
        Ok(Reply::ok(UserView::from(&user)))
    }
}
