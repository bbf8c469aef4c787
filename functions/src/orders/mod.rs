//! The orders routes: placing orders (all or nothing, idempotent), reading the
//! caller's orders and status history, and the status machine.

pub mod all;
pub mod create;
pub mod get;
pub mod history;
pub mod list;
pub mod place;
pub mod update;

use shared::access::Caller;
use shared::domain::ItemId;
use shared::repo::orders::{Order, OrdersRepo};
use shared::ApiError;

fn not_found() -> ApiError {
    ApiError::NotFound("no such order".into())
}

/// The order `raw_id` if the caller may see it: its owner or an admin. To
/// anyone else it does not exist (404, not 403, so ids cannot be probed).
pub async fn visible_order(orders: &OrdersRepo, raw_id: &str, caller: &Caller) -> Result<Order, ApiError> {
    let id = ItemId::parse_str(raw_id).map_err(|_| not_found())?;
    let order = orders.get(id.as_str()).await?.ok_or_else(not_found)?;
    if order.user_id != caller.user_id && !caller.is_admin() {
        return Err(not_found());
    }
    Ok(order)
}
