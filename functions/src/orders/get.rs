//! `GET /orders/{id}`: the owner or an admin; anyone else gets 404.

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::http::{path_param, Reply};
use shared::repo::orders::OrdersRepo;
use shared::{ApiResult, InitContext, Route};

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
        Ok(Reply::ok(order))
    }
}
