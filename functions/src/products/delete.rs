//! `DELETE /products/{id}` (admin). Orders keep their snapshot of the product.

use lambda_http::Request;
use serde_json::json;
use shared::access::Admin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{path_param, ClientInfo, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::products::ProductsRepo;
use shared::{ApiResult, InitContext, Route};

use super::{no_such_product, product_id};
use crate::audit;

pub struct DeleteProduct {
    products: ProductsRepo,
    audit: AuditRepo,
}

impl Route for DeleteProduct {
    type Caller = Admin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { products: ctx.products_repo().await?, audit: ctx.audit_repo().await? })
    }

    async fn handle(&self, caller: Admin, req: Request) -> ApiResult<Reply> {
        let id = product_id(path_param(&req, "id")?)?;
        if !self.products.delete(id.as_str()).await? {
            return Err(no_such_product());
        }
        tracing::info!(product_id = %id.as_str(), by = %caller.user_id, "product deleted");
        let event = AuditEvent::new(AuditType::ProductDeleted, Now::read()).detail("product_id", id.as_str());
        audit::record(&self.audit, audit::by(event, &caller, &ClientInfo::of(&req))).await;
        Ok(Reply::ok(json!({ "id": id })).message("product deleted"))
    }
}
