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
use shared::domain::{AuditType, OrderStatus, Stock};
use shared::http::{json_body, path_param, ClientInfo, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::orders::{Order, OrdersRepo, TransitionOutcome};
use shared::repo::products::ProductsRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

use super::visible_order;
use crate::audit;

/// Restocks refused because a product vanished or its stock moved are read
/// again and the change retried.
const ATTEMPTS: usize = 4;

pub struct UpdateOrder {
    orders: OrdersRepo,
    products: ProductsRepo,
    audit: AuditRepo,
}

impl UpdateOrder {
    /// What a cancellation puts back: each line whose product still exists,
    /// as much of it as fits under `Stock::MAX` (the rest is logged, not stored).
    async fn restock_of(&self, order: &Order) -> ApiResult<Vec<(String, u32)>> {
        let ids: Vec<&str> = order.items.iter().map(|l| l.product_id.as_str()).collect();
        let existing = self.products.get_many(&ids).await?;
        let mut restock = Vec::new();
        for line in &order.items {
            // A deleted product has no stock to return to.
            let Some(product) = existing.get(&line.product_id) else { continue };
            let room = u32::try_from((Stock::MAX - product.stock).max(0)).unwrap_or(u32::MAX);
            let quantity = line.quantity.min(room);
            if quantity < line.quantity {
                tracing::warn!(product_id = %line.product_id, lost = line.quantity - quantity, "restock clamped at the stock maximum");
            }
            if quantity > 0 {
                restock.push((line.product_id.clone(), quantity));
            }
        }
        Ok(restock)
    }
}

impl Route for UpdateOrder {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self {
            orders: ctx.orders_repo().await?,
            products: ctx.products_repo().await?,
            audit: ctx.audit_repo().await?,
        })
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
        let now = Now::read().rfc3339();
        for _ in 0..ATTEMPTS {
            let restock = if to == OrderStatus::Cancelled { self.restock_of(&order).await? } else { Vec::new() };
            let restock: Vec<(&str, u32)> = restock.iter().map(|(id, qty)| (id.as_str(), *qty)).collect();
            match self.orders.transition(&order, to, &caller.user_id, &now, &restock).await? {
                TransitionOutcome::Changed(changed) => {
                    tracing::info!(order_id = %changed.id, from = %order.status, %to, by = %caller.user_id, "order status changed");
                    if caller.is_admin() {
                        let event = AuditEvent::new(AuditType::OrderStatusChanged, Now::read())
                            .subject(Some(&order.user_id), None)
                            .detail("order_id", order.id.as_str())
                            .detail("from", order.status.as_str())
                            .detail("to", to.as_str());
                        audit::record(&self.audit, audit::by(event, &caller, &ClientInfo::of(&req))).await;
                    }
                    return Ok(Reply::ok(changed));
                }
                // A product vanished or its stock moved meanwhile: read them again.
                TransitionOutcome::ProductGone(_) => {}
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
