//! `DELETE /cart` (any signed-in user): empties the caller's cart (idempotent)
//! and answers the empty cart.

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::http::Reply;
use shared::repo::carts::CartsRepo;
use shared::{ApiResult, InitContext, Route};

use super::CartView;

pub struct CartClear {
    carts: CartsRepo,
}

impl Route for CartClear {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { carts: ctx.carts_repo().await? })
    }

    async fn handle(&self, caller: User, _req: Request) -> ApiResult<Reply> {
        self.carts.clear(&caller.user_id).await?;
        Ok(Reply::ok(CartView::empty()))
    }
}
