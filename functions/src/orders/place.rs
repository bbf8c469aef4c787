//! Placing an order, as `POST /orders` and `POST /cart/checkout` share it:
//! the `Idempotency-Key` header and its replays, pricing the lines in checked
//! integer cents, and reading the outcome of the one transaction
//! ([`OrdersRepo::place`]). Each route says what a rejected line means to its
//! client (an unknown product is 422 for `POST /orders`, whose body named it,
//! and 409 for a checkout, whose cart did).

use http::{HeaderName, HeaderValue};
use lambda_http::Request;
use shared::clock::Now;
use shared::domain::{Cents, IdempotencyKey, OrderStatus, Quantity};
use shared::repo::orders::{IdempotencyClaim, IdempotencyRecord, Order, OrderLine, OrdersRepo, PlaceOutcome};
use shared::repo::products::{Product, ProductsRepo};
use shared::repo::transact::TiedWrite;
use shared::{ApiError, ApiResult};

use shared::http::Reply;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The request's `Idempotency-Key`, if it has one: 1–128 printable ASCII characters.
pub fn idempotency_key(req: &Request) -> Result<Option<IdempotencyKey>, ApiError> {
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

/// Why a line cannot be ordered as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// The product no longer exists.
    Gone,
    /// The product's price is no longer the one the line was priced at.
    PriceChanged { from: i64, to: i64 },
    /// Fewer units in stock than the line asks for.
    ShortOfStock { stock: i64 },
}

/// What is wrong with ordering `quantity` of `product` (`None` if it is gone)
/// at `price` (`None`: at whatever it costs now), if anything.
pub fn line_problem(product: Option<&Product>, quantity: u32, price: Option<i64>) -> Option<LineProblem> {
    let Some(product) = product else { return Some(LineProblem::Gone) };
    match price {
        Some(from) if from != product.price => Some(LineProblem::PriceChanged { from, to: product.price }),
        _ if product.stock < i64::from(quantity) => Some(LineProblem::ShortOfStock { stock: product.stock }),
        _ => None,
    }
}

/// A pending order of `lines` at the products' current prices, with the
/// total in checked integer cents.
pub fn priced_order(user_id: &str, lines: &[(&Product, Quantity)], now: Now) -> ApiResult<Order> {
    let overflow = || ApiError::validation("items", "the order total is too large");
    let mut items = Vec::with_capacity(lines.len());
    let mut total = Cents::ZERO;
    for (product, quantity) in lines {
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
    Ok(Order {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        items,
        total: total.get(),
        status: OrderStatus::Pending,
        created_at: created_at.clone(),
        updated_at: created_at,
    })
}

/// One request that places an order: whose, under which key, and the
/// fingerprint that tells a retry from another request under that key.
pub struct Placement<'a> {
    pub orders: &'a OrdersRepo,
    pub products: &'a ProductsRepo,
    pub user_id: &'a str,
    pub key: Option<&'a IdempotencyKey>,
    pub request_hash: &'a str,
    pub now: Now,
}

/// How placing went, when it did not simply answer.
pub enum Placed {
    /// The answer: 201 with the order, or the replay of an earlier one.
    Answer(Reply),
    /// Line `index` of the order failed its condition; `problem` is what a
    /// fresh read of its product shows.
    LineRejected { index: usize, problem: LineProblem, name: String },
    /// The tied write's condition failed (a checkout's cart changed).
    TiedRejected,
}

impl<'a> Placement<'a> {
    /// A placement now.
    pub fn new(
        orders: &'a OrdersRepo,
        products: &'a ProductsRepo,
        user_id: &'a str,
        key: Option<&'a IdempotencyKey>,
        request_hash: &'a str,
    ) -> Self {
        Self { orders, products, user_id, key, request_hash, now: Now::read() }
    }

    /// The stored answer, if the request's key was used before (within 24 h).
    pub async fn replayed(&self) -> ApiResult<Option<Reply>> {
        let Some(key) = self.key else { return Ok(None) };
        match self.orders.idempotency(self.user_id, key, self.now.unix()).await? {
            Some(record) => replay(record, self.request_hash).map(Some),
            None => Ok(None),
        }
    }

    /// Places `order` (with `tied`) in one transaction and answers for the
    /// outcomes every caller answers alike.
    pub async fn place(&self, order: &Order, tied: Option<TiedWrite>) -> ApiResult<Placed> {
        let claim = self.key.map(|key| IdempotencyClaim { key, request_hash: self.request_hash });
        match self.orders.place(order, claim, tied, self.now.unix()).await? {
            PlaceOutcome::Placed => {
                tracing::info!(order_id = %order.id, total = order.total, lines = order.items.len(), "order placed");
                Ok(Placed::Answer(Reply::created(order)))
            }
            PlaceOutcome::KeyTaken => {
                // A concurrent request with the same key won; answer as it did.
                match self.replayed().await? {
                    Some(reply) => Ok(Placed::Answer(reply)),
                    None => Err(ApiError::Conflict("a request with this Idempotency-Key is in progress; retry".into())),
                }
            }
            PlaceOutcome::Contended => {
                Err(ApiError::Conflict("the products are being ordered concurrently; try again".into()))
            }
            PlaceOutcome::TiedRejected => Ok(Placed::TiedRejected),
            PlaceOutcome::LineRejected(index) => {
                let line = order.items.get(index).ok_or_else(|| ApiError::internal("bad line index"))?;
                // Read as the order read it (BatchGetItem): the function needs no GetItem.
                let product = self.products.get_many(&[&line.product_id]).await?.remove(&line.product_id);
                let problem = line_problem(product.as_ref(), line.quantity, Some(line.unit_price))
                    // The condition failed, but the product reads fine now: stock
                    // came back meanwhile. Still no order; say what failed.
                    .unwrap_or(LineProblem::ShortOfStock { stock: product.as_ref().map_or(0, |p| p.stock) });
                let name = product.map_or_else(|| line.name.clone(), |p| p.name);
                Ok(Placed::LineRejected { index, problem, name })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn product(price: i64, stock: i64) -> Product {
        Product {
            id: "p1".into(),
            name: "Lamp".into(),
            description: String::new(),
            price,
            stock,
            category: "office".into(),
            created_at: "2024-01-01T00:00:00.000Z".into(),
            updated_at: "2024-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn a_line_is_gone_repriced_or_short_in_that_order() {
        let lamp = product(2_999, 3);
        assert_eq!(line_problem(None, 1, Some(2_999)), Some(LineProblem::Gone));
        assert_eq!(
            line_problem(Some(&lamp), 9, Some(1_000)),
            Some(LineProblem::PriceChanged { from: 1_000, to: 2_999 })
        );
        assert_eq!(line_problem(Some(&lamp), 4, Some(2_999)), Some(LineProblem::ShortOfStock { stock: 3 }));
        assert_eq!(line_problem(Some(&lamp), 4, None), Some(LineProblem::ShortOfStock { stock: 3 }));
        assert_eq!(line_problem(Some(&lamp), 3, Some(2_999)), None);
    }

    #[test]
    fn an_order_is_priced_in_checked_cents() {
        let (lamp, desk) = (product(2_999, 10), Product { id: "p2".into(), ..product(49_900, 1) });
        let two = Quantity::parse(&json!(2)).expect("qty");
        let one = Quantity::parse(&json!(1)).expect("qty");
        let order = priced_order("u1", &[(&lamp, two), (&desk, one)], Now::at_unix(0)).expect("priced");
        assert_eq!(order.total, 2 * 2_999 + 49_900);
        assert_eq!(order.items[0].line_total, 5_998);
        assert_eq!((order.status, order.created_at.as_str()), (OrderStatus::Pending, "1970-01-01T00:00:00.000Z"));
    }
}
