//! `PUT /notifications/{id}` with `{"read": true}`: marks one of the caller's
//! notifications read. Someone else's is as absent as one that never existed.

use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::User;
use shared::config::ConfigError;
use shared::domain::ItemId;
use shared::http::{json_body, path_param, Reply};
use shared::repo::notifications::NotificationsRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

pub struct NotificationsRead {
    notifications: NotificationsRepo,
}

impl Route for NotificationsRead {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { notifications: ctx.notifications_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let body: Map<String, Value> = json_body(&req)?;
        if body.get("read") != Some(&Value::Bool(true)) {
            return Err(ApiError::validation("read", "must be true (a notification cannot be unread again)"));
        }
        let not_found = || ApiError::NotFound("no such notification".into());
        let id = ItemId::parse_str(path_param(&req, "id")?).map_err(|_| not_found())?;
        let marked = self.notifications.mark_read(&caller.user_id, id.as_str()).await?;
        Ok(Reply::ok(marked.ok_or_else(not_found)?))
    }
}
