//! `POST /auth/signup`: anyone may create an account with the `user` role. A
//! `role` (or any other unknown field) in the body is ignored.

use lambda_http::Request;
use shared::access::Public;
use shared::config::ConfigError;
use shared::http::{json_body, Reply};
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use crate::users::{create_user, NewUserBody};

pub struct Signup {
    users: UsersRepo,
}

impl Route for Signup {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let user = json_body::<NewUserBody>(&req)?.parse(false)?.into_record().await?;
        create_user(&self.users, &user).await?;
        tracing::info!(user_id = %user.id, "signed up");
        Ok(Reply::created(UserView::from(&user)))
    }
}
