//! `PUT /products/{id}` (admin): changes any subset of a product's fields.

use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::http::{json_body, path_param, Reply};
use shared::repo::products::ProductsRepo;
use shared::{ApiResult, InitContext, Route};

use super::{no_such_product, parse_patch, product_id};

pub struct UpdateProduct {
    products: ProductsRepo,
}

impl Route for UpdateProduct {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { products: ctx.products_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let id = product_id(path_param(&req, "id")?)?;
        let patch = parse_patch(&json_body::<Map<String, Value>>(&req)?)?;
        let product = self.products.update(id.as_str(), &patch, &Now::read().rfc3339()).await?;
        let product = product.ok_or_else(no_such_product)?;
        tracing::info!(product_id = %product.id, by = %caller.user_id, "product updated");
        Ok(Reply::ok(product))
    }
}
