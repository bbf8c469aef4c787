//! `GET /products/{id}` (public).

use lambda_http::Request;
use shared::access::Public;
use shared::config::ConfigError;
use shared::http::{path_param, Reply};
use shared::repo::products::ProductsRepo;
use shared::{ApiResult, InitContext, Route};

use super::{no_such_product, product_id};

pub struct GetProduct {
    products: ProductsRepo,
}

impl Route for GetProduct {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { products: ctx.products_repo().await? })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let id = product_id(path_param(&req, "id")?)?;
        let product = self.products.get(id.as_str()).await?;
        Ok(Reply::ok(product.ok_or_else(no_such_product)?))
    }
}
