//! `PUT /orders/{id}` with `{status}`: the status machine.
//!
//! `pending → paid → shipped → delivered`, `pending | paid → cancelled`. The
//! owner may only cancel; an admin may make any legal move; anything else is a
//! 409. Cancelling puts every line back in stock in the same transaction as
//! the status change, conditioned on the status it started from, so two
//! concurrent cancellations cannot restock twice.

use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::User;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::OrderStatus;
use shared::http::{json_body, path_param, Reply};
use shared::repo::orders::{OrdersRepo, TransitionOutcome};
use shared::repo::products::ProductsRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

use super::visible_order;

/// Restock lines whose product vanished mid-way are dropped and the change retried.
const ATTEMPTS: usize = 4;

pub struct UpdateOrder {
    orders: OrdersRepo,
    products: ProductsRepo,
}

impl Route for UpdateOrder {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { orders: ctx.orders_repo().await?, products: ctx.products_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let raw_id = path_param(&req, "id")?;
        let body: Map<String, Value> = json_body(&req)?;
        let to = OrderStatus::parse(body.get("status").unwrap_or(&Value::Null))
            .map_err(|m| ApiError::validation("status", m))?;
        let order = visible_order(&self.orders, raw_id, &caller).await?;
        if !caller.is_admin() && to != OrderStatus::Cancelled {
            return Err(ApiError::Forbidden("you may only cancel your orders".into()));
        }
        if !order.status.can_become(to) {
            return Err(ApiError::Conflict(format!("an order cannot move from {} to {to}", order.status)));
        }
        let mut restock: Vec<(&str, u32)> = Vec::new();
        if to == OrderStatus::Cancelled {
            let ids: Vec<&str> = order.items.iter().map(|l| l.product_id.as_str()).collect();
            let existing = self.products.get_many(&ids).await?;
            // A deleted product has no stock to return to.
            restock = order
                .items
                .iter()
                .filter(|l| existing.contains_key(&l.product_id))
                .map(|l| (l.product_id.as_str(), l.quantity))
                .collect();
        }
        let now = Now::read().rfc3339();
        for _ in 0..ATTEMPTS {
            match self.orders.transition(&order, to, &caller.user_id, &now, &restock).await? {
                TransitionOutcome::Changed(changed) => {
                    tracing::info!(order_id = %changed.id, from = %order.status, %to, by = %caller.user_id, "order status changed");
                    return Ok(Reply::ok(changed));
                }
                TransitionOutcome::ProductGone(i) => {
                    restock.remove(i);
                }
                TransitionOutcome::StatusMoved => {
                    let now_status = self.orders.get(&order.id).await?.map(|o| o.status.to_string());
                    return Err(ApiError::Conflict(format!(
                        "the order's status changed meanwhile (now {}); nothing was done",
                        now_status.as_deref().unwrap_or("unknown")
                    )));
                }
            }
        }
        Err(ApiError::Conflict("the order could not be changed; try again".into()))
    }
}
