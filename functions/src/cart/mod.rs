//! The cart routes: one cart per signed-in user, kept server-side (the carts
//! table), always shown at the products' current names and prices, and
//! checked out into an order in one transaction (`checkout`).
//!
//! Every answer that shows the cart also records, per line, the name and unit
//! price it showed: checkout refuses a line whose price is no longer the one
//! the user last saw (docs/commerce.md, "Cart and checkout"). Edits are
//! read-modify-write, conditioned on the revision read; one that lost to
//! another write of the same cart (another device) starts again from a fresh
//! read.

pub mod checkout;
pub mod clear;
pub mod delete_item;
pub mod get;
pub mod put_item;

use std::collections::HashMap;

use serde::Serialize;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::{Cents, ItemId, Quantity, MAX_CART_LINES};
use shared::error::FieldError;
use shared::http::Reply;
use shared::repo::carts::{Cart, CartLine, CartsRepo, SaveOutcome};
use shared::repo::products::{Product, ProductsRepo};
use shared::{ApiError, ApiResult, InitContext};

use crate::orders::place::{line_problem, LineProblem};

/// Reads of a cart an edit makes before it gives up on another device
/// changing the same cart at the same moment.
const EDIT_ATTEMPTS: usize = 3;

/// One line as `GET /cart` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartItemView {
    pub product_id: String,
    /// The current name (the last one shown, if the product is gone).
    pub name: String,
    /// The current price in cents (the last one shown, if the product is gone).
    pub unit_price: i64,
    pub quantity: u32,
    pub line_total: i64,
    /// Whether checkout can take this line as it stands.
    pub available: bool,
    /// Why not: `"gone"` (the product no longer exists) or `"short_of_stock"`
    /// (fewer in stock than the quantity); `null` when available.
    pub problem: Option<&'static str>,
}

/// The cart as every cart route answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartView {
    pub items: Vec<CartItemView>,
    /// The sum of the lines whose product still exists, in cents.
    pub total: i64,
    /// When the cart last changed; `null` for an empty cart.
    pub updated_at: Option<String>,
}

impl CartView {
    pub fn empty() -> Self {
        Self { items: Vec::new(), total: 0, updated_at: None }
    }
}

/// `lines` with the current name and price of each product that still exists
/// (a gone product's line keeps what was last shown), and the view of them.
fn refreshed(lines: &[CartLine], products: &HashMap<String, Product>) -> ApiResult<(Vec<CartLine>, CartView)> {
    let overflow = || ApiError::internal("cart total out of range");
    let mut fresh = Vec::with_capacity(lines.len());
    let mut items = Vec::with_capacity(lines.len());
    let mut total = Cents::ZERO;
    for line in lines {
        let product = products.get(&line.product_id);
        let mut line = line.clone();
        if let Some(product) = product {
            line.name.clone_from(&product.name);
            line.unit_price = product.price;
        }
        let quantity = Quantity::from_stored(line.quantity).ok_or_else(overflow)?;
        let line_total = Cents::from_stored(line.unit_price).and_then(|p| p.times(quantity)).ok_or_else(overflow)?;
        if product.is_some() {
            total = total.plus(line_total).ok_or_else(overflow)?;
        }
        // Asked at the current price, a line can only be gone or short of stock.
        let problem = line_problem(product, line.quantity, None).map(|problem| match problem {
            LineProblem::Gone => "gone",
            _ => "short_of_stock",
        });
        items.push(CartItemView {
            product_id: line.product_id.clone(),
            name: line.name.clone(),
            unit_price: line.unit_price,
            quantity: line.quantity,
            line_total: line_total.get(),
            available: problem.is_none(),
            problem,
        });
        fresh.push(line);
    }
    Ok((fresh, CartView { items, total: total.get(), updated_at: None }))
}

/// A change to a cart's lines.
#[derive(Debug, Clone, Copy)]
pub enum Edit<'a> {
    /// None: show the cart (recording the names and prices shown).
    Show,
    /// Sets the quantity of a product's line, adding the line if need be.
    Set(&'a ItemId, Quantity),
    /// Removes a product's line; `must_exist` makes a missing line a 404.
    Remove { product_id: &'a str, must_exist: bool },
}

fn no_such_line(product_id: &str) -> ApiError {
    ApiError::NotFound(format!("your cart has no line for product {product_id}"))
}

/// The 422 of a product that does not exist (or whose id cannot exist).
pub fn unknown_product(message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldError::new("product_id", message)])
}

impl Edit<'_> {
    /// Applies the change to `lines`, or refuses it (404, 422).
    fn apply(self, lines: &mut Vec<CartLine>) -> ApiResult<()> {
        match self {
            Self::Show => {}
            Self::Set(product_id, quantity) => {
                if let Some(line) = lines.iter_mut().find(|l| l.product_id == product_id.as_str()) {
                    line.quantity = quantity.get();
                } else if lines.len() >= MAX_CART_LINES {
                    return Err(ApiError::validation(
                        "product_id",
                        format!("a cart holds at most {MAX_CART_LINES} different products; remove one first"),
                    ));
                } else {
                    // Named and priced by `refreshed`, from the product read next.
                    lines.push(CartLine {
                        product_id: product_id.as_str().to_owned(),
                        quantity: quantity.get(),
                        name: String::new(),
                        unit_price: 0,
                    });
                }
            }
            Self::Remove { product_id, must_exist } => {
                let before = lines.len();
                lines.retain(|l| l.product_id != product_id);
                if must_exist && lines.len() == before {
                    return Err(no_such_line(product_id));
                }
            }
        }
        Ok(())
    }

    /// Refuses a change whose product does not exist once the products are read.
    fn check(self, products: &HashMap<String, Product>) -> ApiResult<()> {
        match self {
            Self::Set(product_id, _) if !products.contains_key(product_id.as_str()) => {
                Err(unknown_product(format!("no product has the id {:?}", product_id.as_str())))
            }
            _ => Ok(()),
        }
    }
}

/// What the cart routes that show the cart need: the carts and the products.
pub struct Carts {
    carts: CartsRepo,
    products: ProductsRepo,
}

impl Carts {
    pub async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { carts: ctx.carts_repo().await?, products: ctx.products_repo().await? })
    }

    /// Reads the user's cart, applies `edit`, brings every line's name and
    /// price up to date, saves the cart if that changed anything (conditioned
    /// on the revision read) and answers it. A save that lost to another write
    /// of the cart starts again from a fresh read.
    pub async fn edit(&self, user_id: &str, edit: Edit<'_>) -> ApiResult<Reply> {
        for _ in 0..EDIT_ATTEMPTS {
            let read = self.carts.get(user_id).await?;
            let mut lines = read.lines.clone();
            edit.apply(&mut lines)?;
            let ids: Vec<&str> = lines.iter().map(|l| l.product_id.as_str()).collect();
            let products = self.products.get_many(&ids).await?;
            edit.check(&products)?;
            let (lines, mut view) = refreshed(&lines, &products)?;
            if lines == read.lines {
                view.updated_at = read.updated_at;
                return Ok(Reply::ok(view));
            }
            match self.carts.save(&read, lines, &Now::read().rfc3339()).await? {
                SaveOutcome::Saved(Cart { updated_at, .. }) => {
                    view.updated_at = updated_at;
                    return Ok(Reply::ok(view));
                }
                SaveOutcome::Moved => tracing::info!("cart changed meanwhile; reading it again"),
            }
        }
        Err(ApiError::Conflict("your cart is being changed elsewhere at the same moment; try again".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: &str, price: i64, stock: i64) -> Product {
        Product {
            id: id.into(),
            name: format!("Product {id}"),
            description: String::new(),
            price,
            stock,
            category: "misc".into(),
            created_at: "2024-01-01T00:00:00.000Z".into(),
            updated_at: "2024-01-01T00:00:00.000Z".into(),
        }
    }

    fn line(id: &str, quantity: u32, unit_price: i64) -> CartLine {
        CartLine { product_id: id.into(), quantity, name: format!("Old {id}"), unit_price }
    }

    #[test]
    fn lines_take_current_names_and_prices_and_say_what_is_wrong() {
        let products: HashMap<_, _> =
            [("a", product("a", 250, 10)), ("b", product("b", 1_000, 1))].map(|(id, p)| (id.to_owned(), p)).into();
        let lines = [line("a", 2, 200), line("b", 3, 1_000), line("gone", 1, 500)];

        let (fresh, view) = refreshed(&lines, &products).expect("refreshed");

        assert_eq!((fresh[0].name.as_str(), fresh[0].unit_price), ("Product a", 250));
        assert_eq!(fresh[2], lines[2], "a gone product's line keeps what was last shown");
        let problems: Vec<_> = view.items.iter().map(|i| (i.available, i.problem)).collect();
        assert_eq!(problems, [(true, None), (false, Some("short_of_stock")), (false, Some("gone"))]);
        assert_eq!(view.items[0].line_total, 500);
        assert_eq!(view.total, 500 + 3_000, "a gone product counts for nothing");
    }

    #[test]
    fn edits_set_add_remove_and_respect_the_line_limit() {
        let id = |s: &str| ItemId::parse_str(s).expect("id");
        let qty = |n: u32| Quantity::from_stored(n).expect("qty");
        let mut lines = vec![line("a", 1, 100)];
        Edit::Set(&id("a"), qty(4)).apply(&mut lines).expect("set");
        Edit::Set(&id("b"), qty(1)).apply(&mut lines).expect("add");
        assert_eq!(lines.iter().map(|l| (l.product_id.as_str(), l.quantity)).collect::<Vec<_>>(), [("a", 4), ("b", 1)]);
        Edit::Remove { product_id: "a", must_exist: true }.apply(&mut lines).expect("remove");
        let missing = Edit::Remove { product_id: "a", must_exist: true }.apply(&mut lines).unwrap_err();
        assert_eq!(missing.code(), "NOT_FOUND");
        Edit::Remove { product_id: "a", must_exist: false }.apply(&mut lines).expect("quietly");

        let mut full: Vec<CartLine> = (0..MAX_CART_LINES).map(|i| line(&format!("p{i}"), 1, 1)).collect();
        let refused = Edit::Set(&id("one-more"), qty(1)).apply(&mut full).unwrap_err();
        assert_eq!(refused.code(), "VALIDATION_FAILED");
        Edit::Set(&id("p7"), qty(9)).apply(&mut full).expect("an existing line still changes");
        assert_eq!(full.len(), MAX_CART_LINES);
    }
}
