//! `GET /cart` (any signed-in user): the caller's cart at the products'
//! current names and prices, each line saying whether checkout can take it.
//! The prices shown are recorded as the ones the user last saw.

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::http::Reply;
use shared::{ApiResult, InitContext, Route};

use super::{Carts, Edit};

pub struct CartGet {
    carts: Carts,
}

impl Route for CartGet {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { carts: Carts::init(ctx).await? })
    }

    async fn handle(&self, caller: User, _req: Request) -> ApiResult<Reply> {
        self.carts.edit(&caller.user_id, Edit::Show).await
    }
}
