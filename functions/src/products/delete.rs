//! `DELETE /products/{id}` (admin). Orders keep their snapshot of the product.

use lambda_http::Request;
use serde_json::json;
use shared::access::Admin;
use shared::config::ConfigError;
use shared::http::{path_param, Reply};
use shared::repo::products::ProductsRepo;
use shared::{ApiResult, InitContext, Route};

use super::{no_such_product, product_id};

pub struct DeleteProduct {
    products: ProductsRepo,
}

impl Route for DeleteProduct {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { products: ctx.products_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let id = product_id(path_param(&req, "id")?)?;
        if !self.products.delete(id.as_str()).await? {
            return Err(no_such_product());
        }
        tracing::info!(product_id = %id.as_str(), by = %caller.user_id, "product deleted");
        Ok(Reply::ok(json!({ "id": id })).message("product deleted"))
    }
}
