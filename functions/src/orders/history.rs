//! `GET /orders/history`: the status changes of the caller's orders, newest
//! first, paginated — a `Query` on the caller's key of `by_owner`.

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::http::{page_request, Reply};
use shared::repo::orders::OrdersRepo;
use shared::{ApiResult, InitContext, Route};

pub struct OrderHistory {
    orders: OrdersRepo,
}

impl Route for OrderHistory {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { orders: ctx.orders_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let page = page_request(&req)?;
        Ok(Reply::ok(self.orders.history_for(&caller.user_id, &page).await?))
    }
}
