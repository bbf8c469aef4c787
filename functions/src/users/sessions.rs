//! `GET /users/{id}/sessions` (admin): a user's live sessions, newest first,
//! paginated — to see where an account is signed in before ending sessions.

use lambda_http::Request;
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::http::{page_request, path_param, Reply};
use shared::repo::sessions::SessionsRepo;
use shared::repo::users::UsersRepo;
use shared::{ApiResult, InitContext, Route};

use super::existing_user;
use crate::sessions::SessionView;

pub struct UsersSessions {
    users: UsersRepo,
    sessions: SessionsRepo,
}

impl Route for UsersSessions {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await?, sessions: ctx.sessions_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let user = existing_user(&self.users, path_param(&req, "id")?).await?;
        let page = self.sessions.list(&user.id, &page_request(&req)?, Now::read()).await?;
        Ok(Reply::ok(page.map(|session| SessionView::of(&session, &caller.session_id))))
    }
}
