//! The products routes: a public catalogue and admin-only writes.
//!
//! Write bodies are read as JSON objects and parsed field by field into the
//! domain types, so every problem is reported at once, `null` is told apart
//! from an absent field, and unknown fields (`id`, timestamps, anything else)
//! are ignored, never applied.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

use serde_json::{Map, Value};
use shared::domain::{Category, Cents, Description, ItemId, ProductName, Stock};
use shared::repo::products::{NewProduct, ProductPatch};
use shared::ApiError;

use crate::users::Problems;

/// The fields a product body may carry.
pub const PRODUCT_FIELDS: [&str; 5] = ["name", "description", "price", "stock", "category"];

/// The fields of a product body that are present, each parsed.
fn parse_present(body: &Map<String, Value>, problems: &mut Problems) -> ProductPatch {
    let field = |name: &str| body.get(name);
    let name = field("name").and_then(|v| problems.check("name", ProductName::parse(v)));
    let description = field("description").and_then(|v| problems.check("description", Description::parse(v)));
    let price = field("price").and_then(|v| problems.check("price", Cents::parse_price(v)));
    let stock = field("stock").and_then(|v| problems.check("stock", Stock::parse(v)));
    let category = field("category").and_then(|v| problems.check("category", Category::parse(v)));
    ProductPatch { name, description, price, stock, category }
}

/// A `POST /products` body: `name`, `price` and `category` are required;
/// `description` defaults to empty and `stock` to 0.
pub fn parse_new(body: &Map<String, Value>) -> Result<NewProduct, ApiError> {
    let mut problems = Problems::default();
    for required in ["name", "price", "category"] {
        if !body.contains_key(required) {
            problems.check::<()>(required, Err("is required".into()));
        }
    }
    let patch = parse_present(body, &mut problems);
    problems.into_result()?;
    let missing = || ApiError::internal("validated field missing");
    Ok(NewProduct {
        name: patch.name.ok_or_else(missing)?,
        description: patch.description.unwrap_or_default(),
        price: patch.price.ok_or_else(missing)?,
        stock: patch.stock.unwrap_or(Stock::ZERO),
        category: patch.category.ok_or_else(missing)?,
    })
}

/// A `PUT /products/{id}` body: any non-empty subset of the product fields.
pub fn parse_patch(body: &Map<String, Value>) -> Result<ProductPatch, ApiError> {
    let mut problems = Problems::default();
    let patch = parse_present(body, &mut problems);
    problems.into_result()?;
    if patch.is_empty() {
        return Err(ApiError::validation("body", "give at least one of name, description, price, stock, category"));
    }
    Ok(patch)
}

/// The 404 of a product that does not exist (or whose id cannot exist).
pub fn no_such_product() -> ApiError {
    ApiError::NotFound("no such product".into())
}

/// The `{id}` of a product path; an id that cannot exist is simply not found.
pub fn product_id(raw: &str) -> Result<ItemId, ApiError> {
    ItemId::parse_str(raw).map_err(|_| no_such_product())
}
