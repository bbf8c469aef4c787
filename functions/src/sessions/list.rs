//! `GET /auth/sessions`: the caller's live sessions, newest first, paginated;
//! the one the caller's token belongs to is marked `current`.

use lambda_http::Request;
use shared::access::User;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::http::{page_request, Reply};
use shared::repo::sessions::SessionsRepo;
use shared::{ApiResult, InitContext, Route};

use super::SessionView;

pub struct SessionsList {
    sessions: SessionsRepo,
}

impl Route for SessionsList {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { sessions: ctx.sessions_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let page = self.sessions.list(&caller.user_id, &page_request(&req)?, Now::read()).await?;
        Ok(Reply::ok(page.map(|session| SessionView::of(&session, &caller.session_id))))
    }
}
