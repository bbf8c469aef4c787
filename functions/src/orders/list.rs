//! `GET /orders`: the caller's orders, newest first, paginated, optionally
//! `?status=`; an admin may list another user's with `?user_id=`. Always a
//! `Query` on one user's key of `by_owner`, never a scan.

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::domain::{ItemId, OrderStatus};
use shared::error::FieldError;
use shared::http::{page_request, query_param, Reply};
use shared::repo::orders::OrdersRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

pub struct ListOrders {
    orders: OrdersRepo,
}

impl Route for ListOrders {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { orders: ctx.orders_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let owner = match query_param(&req, "user_id") {
            None => caller.user_id.clone(),
            Some(_) if !caller.is_admin() => {
                return Err(ApiError::Forbidden("only an admin may list another user's orders".into()))
            }
            Some(raw) => ItemId::parse_str(raw).map_err(|m| ApiError::validation("user_id", m))?.as_str().to_owned(),
        };
        let page = page_request(&req)?;
        let status = match query_param(&req, "status") {
            None => None,
            Some(raw) => {
                Some(raw.parse::<OrderStatus>().map_err(|m| ApiError::Validation(vec![FieldError::new("status", m)]))?)
            }
        };
        Ok(Reply::ok(self.orders.list_for(&owner, status, &page).await?))
    }
}
