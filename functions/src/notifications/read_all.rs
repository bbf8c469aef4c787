//! `POST /notifications/read-all`: marks every unread notification of the
//! caller read; answers how many it marked.

use lambda_http::Request;
use serde_json::json;
use shared::access::User;
use shared::config::ConfigError;
use shared::http::Reply;
use shared::repo::notifications::NotificationsRepo;
use shared::{ApiResult, InitContext, Route};

pub struct ReadAll {
    notifications: NotificationsRepo,
}

impl Route for ReadAll {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { notifications: ctx.notifications_repo().await? })
    }

    async fn handle(&self, caller: User, _req: Request) -> ApiResult<Reply> {
        let marked = self.notifications.mark_all_read(&caller.user_id).await?;
        Ok(Reply::ok(json!({ "marked": marked, "unread": 0 })))
    }
}
