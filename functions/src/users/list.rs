//! `GET /users` (admin): every user, in username order, a page at a time.

use lambda_http::Request;
use shared::access::Admin;
use shared::config::ConfigError;
use shared::http::{Page, PageRequest, Reply};
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
        let page = PageRequest::from_request(&req)?;
        let (users, next_cursor) = self.users.list(page.limit, page.cursor.as_deref()).await?;
        Ok(Reply::ok(Page { items: users.iter().map(UserView::from).collect(), next_cursor }))
    }
}
