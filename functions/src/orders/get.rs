//! `GET /orders/{id}`: the owner or an admin; anyone else gets 404. The order
//! comes with its timeline (`history`: every status change, oldest first,
//! whoever made it).

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::http::{path_param, Reply};
use shared::repo::orders::OrdersRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

use super::visible_order;

pub struct GetOrder {
    orders: OrdersRepo,
}

impl Route for GetOrder {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { orders: ctx.orders_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let order = visible_order(&self.orders, path_param(&req, "id")?, &caller).await?;
        let history = self.orders.timeline(&order.id).await?;
        let mut body = serde_json::to_value(&order).map_err(ApiError::internal)?;
        body["history"] = serde_json::to_value(history).map_err(ApiError::internal)?;
        Ok(Reply::ok(body))
    }
}
