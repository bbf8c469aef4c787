//! `GET /products` (public): the catalogue in name order, paginated.
//! `?category=` is a `Query` on the `by_category` index; `?q=` searches names
//! (a filter on the query, so a page may be shorter than `limit`).

use lambda_http::Request;
use shared::access::Public;
use shared::config::ConfigError;
use shared::domain::{Category, SearchTerm};
use shared::error::FieldError;
use shared::http::{page_request, query_param, Reply};
use shared::repo::products::{ProductFilter, ProductsRepo};
use shared::{ApiError, ApiResult, InitContext, Route};

pub struct ListProducts {
    products: ProductsRepo,
}

impl Route for ListProducts {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { products: ctx.products_repo().await? })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let page = page_request(&req)?;
        let mut problems = Vec::new();
        let mut filter = ProductFilter::default();
        if let Some(raw) = query_param(&req, "category") {
            match Category::parse_str(raw) {
                Ok(category) => filter.category = Some(category),
                Err(message) => problems.push(FieldError::new("category", message)),
            }
        }
        if let Some(raw) = query_param(&req, "q") {
            match SearchTerm::parse(raw) {
                Ok(term) => filter.q = Some(term),
                Err(message) => problems.push(FieldError::new("q", message)),
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::Validation(problems));
        }
        Ok(Reply::ok(self.products.list(&filter, &page).await?))
    }
}
