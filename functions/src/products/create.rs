//! `POST /products` (admin): adds a product → 201.

use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::http::{json_body, Reply};
use shared::repo::products::{CreateProductError, ProductsRepo};
use shared::{ApiError, ApiResult, InitContext, Route};

use super::parse_new;

pub struct CreateProduct {
    products: ProductsRepo,
}

impl Route for CreateProduct {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { products: ctx.products_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let new = parse_new(&json_body::<Map<String, Value>>(&req)?)?;
        let product = self.products.create(new, None, &Now::read().rfc3339()).await.map_err(|err| match err {
            CreateProductError::IdTaken(id) => ApiError::Conflict(format!("product {id:?} already exists")),
            CreateProductError::Store(err) => err.into(),
        })?;
        tracing::info!(product_id = %product.id, by = %caller.user_id, "product created");
        Ok(Reply::created(product))
    }
}
