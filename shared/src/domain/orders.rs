//! The orders domain: quantities, the order status machine, idempotency keys
//! and the fingerprint of an order request; the cart's limits and quantities.

use serde::Serialize;
use serde_json::Value;

use super::ids::ItemId;
use super::json::{integer_in, string};

/// How many units of a product one order line asks for: 1 to [`Quantity::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
// The field is visible to the other domain modules for their tests only.
pub struct Quantity(pub(super) u32);

impl Quantity {
    pub const MAX: u32 = 1_000;

    pub fn parse(value: &Value) -> Result<Self, String> {
        integer_in(value, 1, i64::from(Self::MAX)).map(|n| Self(n as u32))
    }

    /// A quantity read back from storage; `None` if it is out of range.
    pub fn from_stored(quantity: u32) -> Option<Self> {
        (1..=Self::MAX).contains(&quantity).then_some(Self(quantity))
    }

    /// The quantity of `PUT /cart/items/{product_id}`: like an order line's,
    /// but 0 is allowed and means "remove the line" (`None`).
    pub fn parse_or_remove(value: &Value) -> Result<Option<Self>, String> {
        integer_in(value, 0, i64::from(Self::MAX)).map(|n| (n > 0).then_some(Self(n as u32)))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// Most distinct products one cart may hold.
///
/// Checkout is one `TransactWriteItems`, and DynamoDB allows at most 100
/// actions in one: a stock update per line plus the order, its first history
/// entry, the idempotency key and the cart's deletion. 50 lines make 54.
pub const MAX_CART_LINES: usize = 50;

/// The actions a checkout's transaction holds besides one per line.
pub const CHECKOUT_FIXED_ACTIONS: usize = 4;

/// DynamoDB's limit on the actions of one transaction.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;

const _: () = assert!(MAX_CART_LINES + CHECKOUT_FIXED_ACTIONS <= MAX_TRANSACTION_ACTIONS);

/// Where an order is in its life.
///
/// ```text
/// pending → paid → shipped → delivered
/// pending | paid → cancelled
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [Self; 5] = [Self::Pending, Self::Paid, Self::Shipped, Self::Delivered, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &Value) -> Result<Self, String> {
        string(value)?.parse()
    }

    /// Whether the machine allows `self → to`.
    pub fn can_become(self, to: Self) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (Pending, Paid) | (Paid, Shipped) | (Shipped, Delivered) | (Pending, Cancelled) | (Paid, Cancelled)
        )
    }

    /// The position of a status along every legal path: each move goes to a
    /// higher rank, so the rank orders one order's changes even within one
    /// millisecond, and no status is ever entered twice.
    pub fn rank(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Paid => 1,
            Self::Shipped => 2,
            Self::Delivered => 3,
            Self::Cancelled => 4,
        }
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OrderStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|status| status.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|s| format!("\"{s}\"")).collect();
            format!("must be one of {}", names.join(", "))
        })
    }
}

/// An `Idempotency-Key` header: 1–128 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() || raw.len() > Self::MAX {
            return Err(format!("must be 1 to {} characters", Self::MAX));
        }
        if !raw.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err("must contain only printable ASCII characters".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The fingerprint of an order request, to tell a retry (same lines, in any
/// order) from a different request reusing an idempotency key.
pub fn order_request_hash(lines: &[(ItemId, Quantity)]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<_> = lines.iter().map(|(id, qty)| (id.as_str(), qty.get())).collect();
    sorted.sort_unstable();
    let mut hasher = Sha256::new();
    for (id, qty) in sorted {
        hasher.update(format!("{id}\n{qty}\n").as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint of `POST /cart/checkout`: the request has no body (the
/// cart is the server's), so every checkout with one key is the same request,
/// and a key first used for `POST /orders` is another request's.
pub fn checkout_request_hash() -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(b"POST /cart/checkout").iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_are_1_to_1000() {
        assert_eq!(Quantity::parse(&json!(1)).map(Quantity::get), Ok(1));
        assert_eq!(Quantity::parse(&json!(1000)).map(Quantity::get), Ok(1000));
        for bad in [json!(0), json!(-3), json!(1001), json!(1.5), json!(2.0), json!("2"), json!([1])] {
            assert!(Quantity::parse(&bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn cart_quantities_are_0_to_1000_and_0_removes() {
        assert_eq!(Quantity::parse_or_remove(&json!(0)), Ok(None));
        assert_eq!(Quantity::parse_or_remove(&json!(7)).map(|q| q.map(Quantity::get)), Ok(Some(7)));
        assert_eq!(Quantity::parse_or_remove(&json!(1000)).map(|q| q.map(Quantity::get)), Ok(Some(1000)));
        for bad in [json!(-1), json!(1001), json!(0.5), json!("1"), json!(null)] {
            assert!(Quantity::parse_or_remove(&bad).is_err(), "{bad} accepted");
        }
        assert_eq!(Quantity::from_stored(0), None);
        assert_eq!(Quantity::from_stored(1001), None);
        assert_eq!(Quantity::from_stored(3).map(Quantity::get), Some(3));
    }

    #[test]
    fn a_checkout_is_never_mistaken_for_an_order_request() {
        assert_eq!(checkout_request_hash(), checkout_request_hash());
        assert_ne!(checkout_request_hash(), order_request_hash(&[]));
        assert_eq!(checkout_request_hash().len(), 64);
    }

    #[test]
    fn the_status_machine_allows_only_the_documented_moves() {
        use OrderStatus::*;
        let legal = [(Pending, Paid), (Paid, Shipped), (Shipped, Delivered), (Pending, Cancelled), (Paid, Cancelled)];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(from.can_become(to), legal.contains(&(from, to)), "{from} → {to}");
                if from.can_become(to) {
                    assert!(to.rank() > from.rank(), "{from} → {to} must go up in rank");
                }
            }
        }
        assert_eq!("paid".parse::<OrderStatus>(), Ok(Paid));
        assert!("PAID".parse::<OrderStatus>().is_err());
        assert!(OrderStatus::parse(&json!(1)).is_err());
    }

    #[test]
    fn request_hashes_ignore_line_order_but_not_content() {
        let line =
            |id: &str, qty: i64| (ItemId::parse_str(id).expect("id"), Quantity::parse(&json!(qty)).expect("qty"));
        let a = order_request_hash(&[line("p1", 1), line("p2", 2)]);
        assert_eq!(a, order_request_hash(&[line("p2", 2), line("p1", 1)]));
        assert_ne!(a, order_request_hash(&[line("p1", 2), line("p2", 1)]));
        assert_ne!(a, order_request_hash(&[line("p1", 1)]));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn idempotency_keys_are_printable_and_bounded() {
        assert!(IdempotencyKey::parse("order-2024-01-01 #1").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(128)).is_ok());
        for bad in ["", &"k".repeat(129), "tab\there", "ünï"] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
