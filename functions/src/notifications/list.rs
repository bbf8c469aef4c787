//! `GET /notifications`: the caller's notifications, newest first, paginated,
//! with how many of all of them are unread.

use lambda_http::Request;
use serde::Serialize;
use shared::access::User;
use shared::config::ConfigError;
use shared::http::{page_request, Reply};
use shared::repo::notifications::{Notification, NotificationsRepo};
use shared::{ApiResult, InitContext, Route};

pub struct NotificationsList {
    notifications: NotificationsRepo,
}

#[derive(Serialize)]
struct Listing {
    items: Vec<Notification>,
    next_cursor: Option<String>,
    unread: u64,
}

impl Route for NotificationsList {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { notifications: ctx.notifications_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let page = page_request(&req)?;
        let (page, unread) = tokio::join!(
            self.notifications.list_for(&caller.user_id, &page),
            self.notifications.unread_count(&caller.user_id)
        );
        let page = page?;
        Ok(Reply::ok(Listing { items: page.items, next_cursor: page.next_cursor, unread: unread? }))
    }
}
