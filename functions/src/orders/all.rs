//! `GET /orders/all?status=`: every order now in one status, newest first,
//! paginated — the admins' store-wide view (what is paid and waits to be
//! shipped, ...). A `Query` on the `by_status` index, never a scan.

use lambda_http::Request;
use shared::access::Admin;
use shared::config::ConfigError;
use shared::domain::OrderStatus;
use shared::http::{page_request, query_param, Reply};
use shared::repo::orders::OrdersRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

pub struct OrdersAll {
    orders: OrdersRepo,
}

impl Route for OrdersAll {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { orders: ctx.orders_repo().await? })
    }

    async fn handle(&self, _caller: Admin, req: Request) -> ApiResult<Reply> {
        let status = query_param(&req, "status")
            .ok_or_else(|| {
                ApiError::validation("status", "required: one of pending, paid, shipped, delivered, cancelled")
            })?
            .parse::<OrderStatus>()
            .map_err(|m| ApiError::validation("status", m))?;
        let page = page_request(&req)?;
        Ok(Reply::ok(self.orders.list_in_status(status, &page).await?))
    }
}
