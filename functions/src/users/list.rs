//! `GET /users` (admin): every user, in username order, a page at a time.

use lambda_http::Request;
use shared::access::Admin;
use shared::config::ConfigError;
use shared::http::{page_request, Reply};
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

pub struct ListUsers {
    users: UsersRepo,
}

impl Route for ListUsers {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await? })
    }

    async fn handle(&self, _caller: Admin, req: Request) -> ApiResult<Reply> {
        let page = page_request(&req)?;
        let users = self.users.list(&page).await?;
        Ok(Reply::ok(users.map(|user| UserView::from(&user))))
    }
}
