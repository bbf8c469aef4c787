//! `DELETE /cart/items/{product_id}` (any signed-in user): removes that
//! product's line from the caller's cart and answers the cart; 404 if the
//! cart has no such line.

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::domain::ItemId;
use shared::http::{path_param, Reply};
use shared::{ApiError, ApiResult, InitContext, Route};

use super::{Carts, Edit};

pub struct CartDeleteItem {
    carts: Carts,
}

impl Route for CartDeleteItem {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { carts: Carts::init(ctx).await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        // An id that cannot name a product is in no cart.
        let product_id = ItemId::parse_str(path_param(&req, "product_id")?)
            .map_err(|_| ApiError::NotFound("your cart has no line for that product".into()))?;
        self.carts.edit(&caller.user_id, Edit::Remove { product_id: product_id.as_str(), must_exist: true }).await
    }
}
