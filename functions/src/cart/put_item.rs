//! `PUT /cart/items/{product_id}` with `{quantity}` (any signed-in user): sets
//! the quantity of that product's line in the caller's cart, adding the line
//! if need be; 0 removes it. Answers the cart.
//!
//! Quantities are an order line's (1–1000) or 0; an unknown product is 422, a
//! 51st different product too. A line may ask for more than is in stock: the
//! cart says so (`available: false`), and checkout refuses it.

use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::User;
use shared::config::ConfigError;
use shared::domain::{ItemId, Quantity};
use shared::http::{json_body, path_param, Reply};
use shared::{ApiError, ApiResult, InitContext, Route};

use super::{Carts, Edit};
use crate::users::Problems;

pub struct CartPutItem {
    carts: Carts,
}

impl Route for CartPutItem {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { carts: Carts::init(ctx).await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let raw_id = path_param(&req, "product_id")?;
        let body: Map<String, Value> = json_body(&req)?;
        let mut problems = Problems::default();
        let product_id = problems.check("product_id", ItemId::parse_str(raw_id));
        let quantity =
            problems.check("quantity", Quantity::parse_or_remove(body.get("quantity").unwrap_or(&Value::Null)));
        problems.into_result()?;
        let (Some(product_id), Some(quantity)) = (product_id, quantity) else {
            return Err(ApiError::internal("validated field missing"));
        };
        let edit = match quantity {
            Some(quantity) => Edit::Set(&product_id, quantity),
            None => Edit::Remove { product_id: product_id.as_str(), must_exist: false },
        };
        self.carts.edit(&caller.user_id, edit).await
    }
}
