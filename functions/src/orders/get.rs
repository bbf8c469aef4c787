//! `GET /orders/{id}`: the owner or an admin; anyone else gets 404.

use lambda_http::Request;
use shared::config::ConfigError;
use shared::http::{path_param, Caller, Reply};
use shared::repo::orders::OrdersRepo;
use shared::{ApiResult, InitContext, Route};

use super::visible_order;

pub struct GetOrder {
    orders: OrdersRepo,
}

impl Route for GetOrder {
    const NAME: &'static str = "orders-get";

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { orders: ctx.orders_repo().await? })
    }

    async fn handle(&self, req: Request) -> ApiResult<Reply> {
        let caller = Caller::from_request(&req)?;
        let order = visible_order(&self.orders, path_param(&req, "id")?, &caller).await?;
        Ok(Reply::ok(order))
    }
}
