//! The carts table: one item per user, `CART#<user_id>`, holding the cart's
//! lines with the name and unit price the user was last shown for each, and a
//! revision that changes with every write. Key design: docs/dynamodb.md.
//!
//! An empty cart is no item at all: emptying a cart deletes it. Writes are
//! conditioned on the revision that was read (optimistic concurrency), so two
//! devices editing one cart never lose each other's lines, and checkout's
//! deletion of the cart ([`CartsRepo::emptied_with_order`]) fails if the cart
//! changed after checkout read it. The revision is a fresh random id at every
//! write, never a counter: a cart emptied and filled again is not mistaken for
//! the one read before.

use aws_sdk_dynamodb::types::{AttributeValue, Delete};
use aws_sdk_dynamodb::Client;

use crate::repo::error::{condition_failed, StoreError};
use crate::repo::item::{get_by_pk, get_list, get_n, get_s, n, s, Item};
use crate::repo::transact::{self, TiedWrite};

fn cart_key(user_id: &str) -> String {
    format!("CART#{user_id}")
}

/// One line of a cart: a product, how many, and the name and unit price the
/// user was last shown for it (by `GET /cart` or an edit's answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: String,
    pub quantity: u32,
    /// The product's name when the user last saw the cart.
    pub name: String,
    /// The product's price (cents) when the user last saw the cart: checkout
    /// refuses a line whose price is no longer this.
    pub unit_price: i64,
}

/// A user's cart as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub user_id: String,
    /// In the order the products were first added.
    pub lines: Vec<CartLine>,
    /// The revision read; `None` when no cart is stored (an empty cart).
    pub revision: Option<String>,
    /// When the cart last changed; `None` for an empty cart.
    pub updated_at: Option<String>,
}

impl Cart {
    /// The empty cart of a user (nothing stored).
    pub fn empty(user_id: &str) -> Self {
        Self { user_id: user_id.to_owned(), lines: Vec::new(), revision: None, updated_at: None }
    }

    pub fn line(&self, product_id: &str) -> Option<&CartLine> {
        self.lines.iter().find(|l| l.product_id == product_id)
    }

    fn to_item(&self) -> Result<Item, StoreError> {
        let revision =
            self.revision.as_deref().ok_or_else(|| StoreError::internal("a stored cart needs a revision"))?;
        let updated_at =
            self.updated_at.as_deref().ok_or_else(|| StoreError::internal("a stored cart needs a time"))?;
        Ok([
            ("pk".to_owned(), s(cart_key(&self.user_id))),
            ("user_id".to_owned(), s(&self.user_id)),
            ("lines".to_owned(), AttributeValue::L(self.lines.iter().map(CartLine::to_value).collect())),
            ("revision".to_owned(), s(revision)),
            ("updated_at".to_owned(), s(updated_at)),
        ]
        .into())
    }

    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let lines = get_list(item, "lines", CartLine::from_value)?;
        Ok(Self {
            user_id: get_s(item, "user_id")?,
            lines,
            revision: Some(get_s(item, "revision")?),
            updated_at: Some(get_s(item, "updated_at")?),
        })
    }
}

impl CartLine {
    fn to_value(&self) -> AttributeValue {
        AttributeValue::M(
            [
                ("product_id".to_owned(), s(&self.product_id)),
                ("quantity".to_owned(), n(self.quantity)),
                ("name".to_owned(), s(&self.name)),
                ("unit_price".to_owned(), n(self.unit_price)),
            ]
            .into(),
        )
    }

    fn from_value(value: &AttributeValue) -> Result<Self, StoreError> {
        let map = value.as_m().map_err(|_| StoreError::corrupt("cart line is not a map"))?;
        Ok(Self {
            product_id: get_s(map, "product_id")?,
            quantity: get_n(map, "quantity")?,
            name: get_s(map, "name")?,
            unit_price: get_n(map, "unit_price")?,
        })
    }
}

/// How saving a cart went, short of a database failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Saved; the cart as it now is (with its new revision).
    Saved(Cart),
    /// Another write changed (or emptied, or checked out) the cart after it
    /// was read; nothing was written.
    Moved,
}

#[derive(Clone)]
pub struct CartsRepo {
    client: Client,
    table: String,
}

impl CartsRepo {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// The user's cart (strongly consistent); empty when none is stored.
    pub async fn get(&self, user_id: &str) -> Result<Cart, StoreError> {
        match get_by_pk(&self.client, &self.table, cart_key(user_id)).await? {
            Some(item) => Cart::from_item(&item),
            None => Ok(Cart::empty(user_id)),
        }
    }

    /// Replaces the lines of `read` (the cart as read) with `lines`, unless the
    /// cart changed since it was read. No lines deletes the cart.
    pub async fn save(&self, read: &Cart, lines: Vec<CartLine>, now: &str) -> Result<SaveOutcome, StoreError> {
        let result = if lines.is_empty() {
            let Some(revision) = &read.revision else { return Ok(SaveOutcome::Saved(Cart::empty(&read.user_id))) };
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(cart_key(&read.user_id)))
                .condition_expression("revision = :read")
                .expression_attribute_values(":read", s(revision))
                .send()
                .await
                .map(|_| Cart::empty(&read.user_id))
                .map_err(|e| (condition_failed(&e), StoreError::from(e)))
        } else {
            let saved = Cart {
                user_id: read.user_id.clone(),
                lines,
                revision: Some(uuid::Uuid::new_v4().to_string()),
                updated_at: Some(now.to_owned()),
            };
            let put = self.client.put_item().table_name(&self.table).set_item(Some(saved.to_item()?));
            let put = match &read.revision {
                Some(revision) => {
                    put.condition_expression("revision = :read").expression_attribute_values(":read", s(revision))
                }
                None => put.condition_expression("attribute_not_exists(pk)"),
            };
            put.send().await.map(|_| saved).map_err(|e| (condition_failed(&e), StoreError::from(e)))
        };
        match result {
            Ok(cart) => Ok(SaveOutcome::Saved(cart)),
            Err((true, _)) => Ok(SaveOutcome::Moved),
            Err((false, err)) => Err(err),
        }
    }

    /// Empties the user's cart, whatever it holds (idempotent).
    pub async fn clear(&self, user_id: &str) -> Result<(), StoreError> {
        self.client.delete_item().table_name(&self.table).key("pk", s(cart_key(user_id))).send().await?;
        Ok(())
    }

    /// The cart's deletion, to commit in the transaction that places the
    /// order made of it ([`crate::repo::orders::OrdersRepo::place`]),
    /// conditioned on the revision read: a cart changed or checked out since
    /// then fails the whole transaction.
    pub fn emptied_with_order(&self, read: &Cart) -> Result<TiedWrite, StoreError> {
        let revision = read.revision.as_deref().ok_or_else(|| StoreError::internal("an empty cart has no order"))?;
        let delete = Delete::builder()
            .table_name(&self.table)
            .key("pk", s(cart_key(&read.user_id)))
            .condition_expression("revision = :read")
            .expression_attribute_values(":read", s(revision))
            .build()?;
        Ok(TiedWrite(transact::delete(delete)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cart_round_trips_through_its_item() {
        let cart = Cart {
            user_id: "u1".into(),
            lines: vec![
                CartLine { product_id: "p1".into(), quantity: 2, name: "Lamp".into(), unit_price: 2_999 },
                CartLine { product_id: "p2".into(), quantity: 1, name: "Desk".into(), unit_price: 0 },
            ],
            revision: Some("r1".into()),
            updated_at: Some("2024-01-01T00:00:00.000Z".into()),
        };
        let item = cart.to_item().expect("item");
        assert_eq!(item["pk"], s("CART#u1"));
        assert_eq!(Cart::from_item(&item).expect("cart"), cart);
        assert!(Cart::empty("u1").to_item().is_err(), "an empty cart is never stored");
    }
}
