//! `POST /orders` (any signed-in user): `{items: [{product_id, quantity}]}` → 201.
//!
//! Reads the products, snapshots their prices, computes the total in checked
//! integer cents, then writes the order, its first history entry, the
//! idempotency key and every stock decrement (each conditioned on enough stock
//! and the snapshotted price) in one transaction: all or nothing.
//!
//! With an `Idempotency-Key` header (1–128 printable characters, scoped to the
//! caller, kept 24 hours) a retry of the same request gets the first answer
//! again, with `Idempotent-Replayed: true`, and touches no stock; the same key
//! with a different request is a 422.

use std::collections::HashMap;

use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::User;
use shared::config::ConfigError;
use shared::domain::{order_request_hash, ItemId, Quantity};
use shared::error::FieldError;
use shared::http::{json_body, Reply};
use shared::repo::orders::OrdersRepo;
use shared::repo::products::ProductsRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

use super::place::{idempotency_key, line_problem, priced_order, LineProblem, Placed, Placement};
use crate::users::Problems;

/// Most lines one `POST /orders` may have. A checkout's cart may hold up to
/// `shared::domain::MAX_CART_LINES` (50), as many as one transaction fits.
pub const MAX_LINES: usize = 25;

pub struct CreateOrder {
    orders: OrdersRepo,
    products: ProductsRepo,
}

type Lines = Vec<(ItemId, Quantity)>;

/// Parses `{items: [...]}`: 1 to 25 lines of distinct products, each with a
/// quantity of 1 to 1000. Every problem is reported, by line.
fn parse_lines(body: &Map<String, Value>) -> Result<Lines, ApiError> {
    let Some(items) = body.get("items") else {
        return Err(ApiError::validation("items", "is required: a list of {product_id, quantity}"));
    };
    let Some(items) = items.as_array() else {
        return Err(ApiError::validation("items", "must be a list of {product_id, quantity}"));
    };
    if items.is_empty() || items.len() > MAX_LINES {
        return Err(ApiError::validation("items", format!("must have 1 to {MAX_LINES} lines")));
    }
    let mut problems = Problems::default();
    let mut lines = Vec::with_capacity(items.len());
    let mut seen: HashMap<ItemId, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let Some(line) = item.as_object() else {
            problems.check::<()>(&format!("items[{i}]"), Err("must be an object {product_id, quantity}".into()));
            continue;
        };
        let field = |name: &str| line.get(name).unwrap_or(&Value::Null);
        let product = problems.check(&format!("items[{i}].product_id"), ItemId::parse(field("product_id")));
        let quantity = problems.check(&format!("items[{i}].quantity"), Quantity::parse(field("quantity")));
        if let Some(product) = &product {
            if let Some(first) = seen.insert(product.clone(), i) {
                problems.check::<()>(
                    &format!("items[{i}].product_id"),
                    Err(format!("repeats the product of items[{first}]; order each product once")),
                );
            }
        }
        if let (Some(product), Some(quantity)) = (product, quantity) {
            lines.push((product, quantity));
        }
    }
    problems.into_result()?;
    Ok(lines)
}

fn unknown_product(i: usize, id: &str) -> FieldError {
    FieldError::new(format!("items[{i}].product_id"), format!("no product has the id {id:?}"))
}

fn not_enough_stock(id: &str, name: &str) -> ApiError {
    ApiError::Conflict(format!("not enough stock for product {id} ({name})"))
}

impl Route for CreateOrder {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { orders: ctx.orders_repo().await?, products: ctx.products_repo().await? })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let key = idempotency_key(&req)?;
        let lines = parse_lines(&json_body(&req)?)?;
        let request_hash = order_request_hash(&lines);
        let placement = Placement::new(&self.orders, &self.products, &caller.user_id, key.as_ref(), &request_hash);
        if let Some(replayed) = placement.replayed().await? {
            return Ok(replayed);
        }

        let ids: Vec<&str> = lines.iter().map(|(id, _)| id.as_str()).collect();
        let products = self.products.get_many(&ids).await?;
        let unknown: Vec<_> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| !products.contains_key(**id))
            .map(|(i, id)| unknown_product(i, id))
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::Validation(unknown));
        }
        let mut priced = Vec::with_capacity(lines.len());
        for (id, quantity) in &lines {
            let product = products.get(id.as_str()).ok_or_else(|| ApiError::internal("product vanished"))?;
            if line_problem(Some(product), quantity.get(), None).is_some() {
                return Err(not_enough_stock(&product.id, &product.name));
            }
            priced.push((product, *quantity));
        }
        let order = priced_order(&caller.user_id, &priced, placement.now)?;
        match placement.place(&order, None).await? {
            Placed::Answer(reply) => Ok(reply),
            Placed::TiedRejected => Err(ApiError::internal("no tied write was given")),
            Placed::LineRejected { index, problem, name } => {
                let id = order.items.get(index).map_or("", |l| l.product_id.as_str());
                Err(match problem {
                    LineProblem::Gone => ApiError::Validation(vec![unknown_product(index, id)]),
                    LineProblem::PriceChanged { .. } => ApiError::Conflict(format!(
                        "the price of product {id} ({name}) changed while ordering; review it and order again"
                    )),
                    LineProblem::ShortOfStock { .. } => not_enough_stock(id, &name),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<Lines, ApiError> {
        parse_lines(body.as_object().expect("object"))
    }

    fn fields(err: ApiError) -> Vec<String> {
        match err {
            ApiError::Validation(details) => details.into_iter().map(|d| d.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn lines_parse_and_every_bad_line_is_named() {
        let ok = parse(json!({"items": [{"product_id": "a", "quantity": 2}, {"product_id": "b", "quantity": 1000}]}));
        assert_eq!(ok.expect("valid").len(), 2);
        let err = parse(json!({"items": [
            {"product_id": "a", "quantity": 0},
            {"product_id": "b", "quantity": 1.5},
            {"product_id": "c", "quantity": "3"},
            {"product_id": "a", "quantity": 1},
            {"quantity": 1},
            7
        ]}))
        .unwrap_err();
        assert_eq!(
            fields(err),
            [
                "items[0].quantity",
                "items[1].quantity",
                "items[2].quantity",
                "items[3].product_id",
                "items[4].product_id",
                "items[5]"
            ]
        );
    }

    #[test]
    fn empty_missing_or_oversized_carts_are_refused() {
        assert_eq!(fields(parse(json!({"items": []})).unwrap_err()), ["items"]);
        assert_eq!(fields(parse(json!({})).unwrap_err()), ["items"]);
        assert_eq!(fields(parse(json!({"items": {"product_id": "a"}})).unwrap_err()), ["items"]);
        let many: Vec<_> = (0..26).map(|i| json!({"product_id": format!("p{i}"), "quantity": 1})).collect();
        assert_eq!(fields(parse(json!({ "items": many })).unwrap_err()), ["items"]);
    }
}
