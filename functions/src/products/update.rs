//! `PUT /products/{id}` (admin): changes any subset of a product's fields.

use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{json_body, path_param, ClientInfo, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::products::ProductsRepo;
use shared::{ApiResult, InitContext, Route};

use super::{no_such_product, parse_patch, product_id, PRODUCT_FIELDS};
use crate::audit;

pub struct UpdateProduct {
    products: ProductsRepo,
    audit: AuditRepo,
}

impl Route for UpdateProduct {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { products: ctx.products_repo().await?, audit: ctx.audit_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let id = product_id(path_param(&req, "id")?)?;
        let body = json_body::<Map<String, Value>>(&req)?;
        let patch = parse_patch(&body)?;
        let product = self.products.update(id.as_str(), &patch, &Now::read().rfc3339()).await?;
        let product = product.ok_or_else(no_such_product)?;
        tracing::info!(product_id = %product.id, by = %caller.user_id, "product updated");
        let fields: Vec<&str> = PRODUCT_FIELDS.into_iter().filter(|field| body.contains_key(*field)).collect();
        let event = AuditEvent::new(AuditType::ProductUpdated, Now::read())
            .detail("product_id", product.id.as_str())
            .detail("fields", fields);
        audit::record(&self.audit, audit::by(event, &caller, &ClientInfo::of(&req))).await;
        Ok(Reply::ok(product))
    }
}
