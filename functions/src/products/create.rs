//! `POST /products` (admin): adds a product → 201.

use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{json_body, ClientInfo, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::products::{CreateProductError, ProductsRepo};
use shared::{ApiError, ApiResult, InitContext, Route};

use super::parse_new;
use crate::audit;

pub struct CreateProduct {
    products: ProductsRepo,
    audit: AuditRepo,
}

impl Route for CreateProduct {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { products: ctx.products_repo().await?, audit: ctx.audit_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let new = parse_new(&json_body::<Map<String, Value>>(&req)?)?;
        let product = self.products.create(new, None, &Now::read().rfc3339()).await.map_err(|err| match err {
            CreateProductError::IdTaken(id) => ApiError::Conflict(format!("product {id:?} already exists")),
            CreateProductError::Store(err) => err.into(),
        })?;
        tracing::info!(product_id = %product.id, by = %caller.user_id, "product created");
        let event = AuditEvent::new(AuditType::ProductCreated, Now::read())
            .detail("product_id", product.id.as_str())
            .detail("name", product.name.as_str());
        audit::record(&self.audit, audit::by(event, &caller, &ClientInfo::of(&req))).await;
        Ok(Reply::created(product))
    }
}
