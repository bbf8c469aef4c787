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

use http::{HeaderName, HeaderValue};
use lambda_http::Request;
use serde_json::{Map, Value};
use shared::access::User;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::{order_request_hash, Cents, IdempotencyKey, ItemId, OrderStatus, Quantity};
use shared::error::FieldError;
use shared::http::{json_body, Reply};
use shared::repo::orders::{IdempotencyClaim, IdempotencyRecord, Order, OrderLine, OrdersRepo, PlaceOutcome};
use shared::repo::products::ProductsRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

use crate::users::Problems;

/// Most lines one order may have (a transaction holds 100 writes; we keep
/// well below, and a cart of more than 25 distinct products is not a cart).
pub const MAX_LINES: usize = 25;
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

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

fn idempotency_key(req: &Request) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(raw) = req.headers().get(IDEMPOTENCY_HEADER) else { return Ok(None) };
    let invalid = |m: String| ApiError::validation("Idempotency-Key", m);
    let text = raw.to_str().map_err(|_| invalid("must contain only printable ASCII characters".into()))?;
    IdempotencyKey::parse(text).map(Some).map_err(invalid)
}

/// The first answer again, if the key was used for this same request.
fn replay(record: IdempotencyRecord, request_hash: &str) -> ApiResult<Reply> {
    if record.request_hash != request_hash {
        return Err(ApiError::validation(
            "Idempotency-Key",
            "was already used for a different request; use a new key for a new order",
        ));
    }
    tracing::info!(order_id = %record.order_id, "idempotent replay");
    Ok(Reply::created(record.response)
        .header(HeaderName::from_static(REPLAYED_HEADER), HeaderValue::from_static("true")))
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
        let now = Now::read();
        if let Some(key) = &key {
            if let Some(record) = self.orders.idempotency(&caller.user_id, key, now.unix()).await? {
                return replay(record, &request_hash);
            }
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
        let overflow = || ApiError::validation("items", "the order total is too large");
        let mut items = Vec::with_capacity(lines.len());
        let mut total = Cents::ZERO;
        for (id, quantity) in &lines {
            let product = products.get(id.as_str()).ok_or_else(|| ApiError::internal("product vanished"))?;
            if product.stock < i64::from(quantity.get()) {
                return Err(not_enough_stock(&product.id, &product.name));
            }
            let unit_price = Cents::from_stored(product.price).ok_or_else(|| ApiError::internal("negative price"))?;
            let line_total = unit_price.times(*quantity).ok_or_else(overflow)?;
            total = total.plus(line_total).ok_or_else(overflow)?;
            items.push(OrderLine {
                product_id: product.id.clone(),
                name: product.name.clone(),
                unit_price: unit_price.get(),
                quantity: quantity.get(),
                line_total: line_total.get(),
            });
        }
        let created_at = now.rfc3339();
        let order = Order {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: caller.user_id.clone(),
            items,
            total: total.get(),
            status: OrderStatus::Pending,
            created_at: created_at.clone(),
            updated_at: created_at,
        };
        let claim = key.as_ref().map(|key| IdempotencyClaim { key, request_hash: &request_hash });
        match self.orders.place(&order, claim, now.unix()).await? {
            PlaceOutcome::Placed => {
                tracing::info!(order_id = %order.id, total = order.total, "order placed");
                Ok(Reply::created(order))
            }
            PlaceOutcome::KeyTaken => {
                // A concurrent request with the same key won; answer as it did.
                let key = key.as_ref().ok_or_else(|| ApiError::internal("key taken without a key"))?;
                match self.orders.idempotency(&caller.user_id, key, now.unix()).await? {
                    Some(record) => replay(record, &request_hash),
                    None => Err(ApiError::Conflict("a request with this Idempotency-Key is in progress; retry".into())),
                }
            }
            PlaceOutcome::Contended => {
                Err(ApiError::Conflict("the products are being ordered concurrently; try again".into()))
            }
            PlaceOutcome::LineRejected(i) => {
                let line = order.items.get(i).ok_or_else(|| ApiError::internal("bad line index"))?;
                // Read as the order read it (BatchGetItem): the function needs no GetItem.
                match self.products.get_many(&[&line.product_id]).await?.remove(&line.product_id) {
                    None => Err(ApiError::Validation(vec![unknown_product(i, &line.product_id)])),
                    Some(product) if product.price != line.unit_price => Err(ApiError::Conflict(format!(
                        "the price of product {} ({}) changed while ordering; review it and order again",
                        product.id, product.name
                    ))),
                    Some(product) => Err(not_enough_stock(&product.id, &product.name)),
                }
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
