//! `POST /cart/checkout` (any signed-in user): the caller's cart becomes an
//! order → 201.
//!
//! The order is made as `POST /orders` makes it (prices snapshotted, total in
//! checked cents, first history entry), and one transaction writes it with
//! every stock decrement (each conditioned on enough stock and on the price
//! the user last saw in the cart), the idempotency key and the cart's
//! deletion (conditioned on the cart being the one read): all or nothing. Of
//! two concurrent checkouts of one cart, one places the order and the other
//! finds the cart changed (409). A line whose product is gone, short of stock
//! or repriced since the user last saw the cart is a 409 naming it, and the
//! cart is left as it was.
//!
//! `Idempotency-Key` works as for `POST /orders`: a retry with the key gets
//! the first 201 again (`Idempotent-Replayed: true`), even though the cart is
//! empty by then; a key first used for `POST /orders` is a 422.

use lambda_http::Request;
use shared::access::User;
use shared::config::ConfigError;
use shared::domain::{checkout_request_hash, Quantity};
use shared::http::Reply;
use shared::repo::carts::{CartLine, CartsRepo};
use shared::repo::orders::OrdersRepo;
use shared::repo::products::ProductsRepo;
use shared::{ApiError, ApiResult, InitContext, Route};

use crate::orders::place::{idempotency_key, line_problem, priced_order, LineProblem, Placed, Placement};

pub struct CartCheckout {
    carts: CartsRepo,
    orders: OrdersRepo,
    products: ProductsRepo,
}

/// What is wrong with line `index` of the cart, for the 409's message.
fn describe(index: usize, line: &CartLine, name: &str, problem: &LineProblem) -> String {
    let what = match problem {
        LineProblem::Gone => "the product is no longer sold".to_owned(),
        LineProblem::PriceChanged { from, to } => {
            format!("its price changed from {from} to {to} cents since you last viewed your cart")
        }
        LineProblem::ShortOfStock { stock } => format!("only {stock} in stock for the {} in your cart", line.quantity),
    };
    format!("items[{index}] (product {}, {name:?}): {what}", line.product_id)
}

fn refused(problems: &[String]) -> ApiError {
    ApiError::Conflict(format!("nothing was ordered; review your cart: {}", problems.join("; ")))
}

impl Route for CartCheckout {
    type Caller = User;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self {
            carts: ctx.carts_repo().await?,
            orders: ctx.orders_repo().await?,
            products: ctx.products_repo().await?,
        })
    }

    async fn handle(&self, caller: User, req: Request) -> ApiResult<Reply> {
        let key = idempotency_key(&req)?;
        let request_hash = checkout_request_hash();
        let placement = Placement::new(&self.orders, &self.products, &caller.user_id, key.as_ref(), &request_hash);
        if let Some(replayed) = placement.replayed().await? {
            return Ok(replayed);
        }

        let cart = self.carts.get(&caller.user_id).await?;
        if cart.lines.is_empty() {
            // A checkout with the same key may have emptied it since the first look.
            if let Some(replayed) = placement.replayed().await? {
                return Ok(replayed);
            }
            return Err(ApiError::Conflict("your cart is empty; add products before checking out".into()));
        }
        let ids: Vec<&str> = cart.lines.iter().map(|l| l.product_id.as_str()).collect();
        let products = self.products.get_many(&ids).await?;
        let mut problems = Vec::new();
        let mut priced = Vec::with_capacity(cart.lines.len());
        for (index, line) in cart.lines.iter().enumerate() {
            let product = products.get(&line.product_id);
            match (line_problem(product, line.quantity, Some(line.unit_price)), product) {
                (Some(problem), _) => {
                    let name = product.map_or(&line.name, |p| &p.name);
                    problems.push(describe(index, line, name, &problem));
                }
                (None, Some(product)) => {
                    let quantity = Quantity::from_stored(line.quantity)
                        .ok_or_else(|| ApiError::internal("stored cart quantity out of range"))?;
                    priced.push((product, quantity));
                }
                (None, None) => return Err(ApiError::internal("a line without a product has no problem")),
            }
        }
        if !problems.is_empty() {
            return Err(refused(&problems));
        }
        let order = priced_order(&caller.user_id, &priced, placement.now)?;
        match placement.place(&order, Some(self.carts.emptied_with_order(&cart)?)).await? {
            Placed::Answer(reply) => Ok(reply),
            Placed::TiedRejected => Err(ApiError::Conflict(
                "your cart changed while checking out (another checkout, or another device); nothing was ordered; \
                 review your cart and try again"
                    .into(),
            )),
            Placed::LineRejected { index, problem, name } => {
                let line = cart.lines.get(index).ok_or_else(|| ApiError::internal("bad line index"))?;
                Err(refused(&[describe(index, line, &name, &problem)]))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_line_is_named_with_its_problem() {
        let line = CartLine { product_id: "p1".into(), quantity: 4, name: "Lamp".into(), unit_price: 2_999 };
        let short = describe(2, &line, "Lamp", &LineProblem::ShortOfStock { stock: 3 });
        assert_eq!(short, "items[2] (product p1, \"Lamp\"): only 3 in stock for the 4 in your cart");
        let repriced = describe(0, &line, "Lamp", &LineProblem::PriceChanged { from: 2_999, to: 3_499 });
        assert!(repriced.contains("from 2999 to 3499 cents"), "{repriced}");
        let gone = refused(&[describe(1, &line, "Lamp", &LineProblem::Gone)]);
        assert_eq!(gone.code(), "CONFLICT");
        assert!(gone.public_message().contains("product p1") && gone.public_message().contains("no longer sold"));
    }
}
