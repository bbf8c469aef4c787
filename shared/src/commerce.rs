//! Domain types of the shop — money, quantities, product fields, the order
//! status machine and idempotency keys — that parse instead of validate.
//!
//! Numbers arrive as JSON values and are parsed here, so every way a client can
//! get one wrong (a string, a fraction, a negative, something huge) becomes one
//! readable message, and no float ever reaches a price.

use serde::Serialize;
use serde_json::Value;

/// Parses a JSON integer within `min..=max`. Whole floats such as `2.0` are
/// refused too: prices and quantities are integers on the wire.
fn integer_in(value: &Value, min: i64, max: i64) -> Result<i64, String> {
    let range = || format!("must be an integer from {min} to {max}");
    match value {
        Value::Number(number) => {
            if let Some(n) = number.as_i64() {
                if (min..=max).contains(&n) {
                    return Ok(n);
                }
                return Err(range());
            }
            if number.as_u64().is_some() {
                return Err(range());
            }
            match number.as_f64() {
                Some(f) if f.fract() != 0.0 => Err(format!("must be a whole number, not a fraction ({})", range())),
                _ => Err(range()),
            }
        }
        Value::Null => Err(format!("is required and {}", range())),
        _ => Err(format!("must be a JSON number, not {}; it {}", kind(value), range())),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| format!("must be a string, not {}", kind(value)))
}

/// An amount of money in integer cents, 0 to [`Cents::MAX`] for a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Cents(i64);

impl Cents {
    /// The highest price a product may have: one million in major units.
    pub const MAX: i64 = 100_000_000;

    /// A product price from JSON.
    pub fn parse_price(value: &Value) -> Result<Self, String> {
        integer_in(value, 0, Self::MAX).map(Self)
    }

    /// A stored amount (prices, line totals, order totals). Only non-negative
    /// amounts exist.
    pub fn from_stored(cents: i64) -> Option<Self> {
        (cents >= 0).then_some(Self(cents))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// `self × quantity`, or `None` on overflow.
    pub fn times(self, quantity: Quantity) -> Option<Self> {
        self.0.checked_mul(i64::from(quantity.get())).map(Self)
    }

    /// `self + other`, or `None` on overflow.
    pub fn plus(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }

    pub const ZERO: Self = Self(0);
}

/// How many units of a product one order line asks for: 1 to [`Quantity::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Quantity(u32);

impl Quantity {
    pub const MAX: u32 = 1_000;

    pub fn parse(value: &Value) -> Result<Self, String> {
        integer_in(value, 1, i64::from(Self::MAX)).map(|n| Self(n as u32))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// Units of a product in stock: 0 to [`Stock::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Stock(i64);

impl Stock {
    pub const MAX: i64 = 1_000_000;
    pub const ZERO: Self = Self(0);

    pub fn parse(value: &Value) -> Result<Self, String> {
        integer_in(value, 0, Self::MAX).map(Self)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A product name: 1–200 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ProductName(String);

impl ProductName {
    pub const MAX: usize = 200;

    pub fn parse(value: &Value) -> Result<Self, String> {
        let name = string(value)?.trim();
        let len = name.chars().count();
        if len == 0 || len > Self::MAX {
            return Err(format!("must be 1 to {} characters", Self::MAX));
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form names are sorted and searched by.
    pub fn search_key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A product description: at most 2000 characters; line breaks and tabs are
/// the only control characters allowed. `null` means empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Description(String);

impl Description {
    pub const MAX: usize = 2_000;

    pub fn parse(value: &Value) -> Result<Self, String> {
        if value.is_null() {
            return Ok(Self(String::new()));
        }
        let text = string(value)?.trim();
        if text.chars().count() > Self::MAX {
            return Err(format!("must be at most {} characters", Self::MAX));
        }
        if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err("must not contain control characters other than line breaks and tabs".into());
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category slug: 1–50 characters of `[a-z0-9-]`, stored lower-case, so
/// `Books` and `books` are one category.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Category(String);

impl Category {
    pub const MAX: usize = 50;

    pub fn parse(value: &Value) -> Result<Self, String> {
        Self::parse_str(string(value)?)
    }

    pub fn parse_str(raw: &str) -> Result<Self, String> {
        let slug = raw.trim().to_lowercase();
        let len = slug.chars().count();
        if len == 0 || len > Self::MAX {
            return Err(format!("must be 1 to {} characters", Self::MAX));
        }
        if !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err("may contain only letters a-z, digits and '-'".into());
        }
        Ok(Self(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name-search term (`?q=`): 1–100 characters, matched case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let term = raw.trim().to_lowercase();
        let len = term.chars().count();
        if len == 0 || len > Self::MAX {
            return Err(format!("must be 1 to {} characters", Self::MAX));
        }
        if term.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Self(term))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An opaque id as clients send it (product ids in order lines, path ids):
/// 1–64 characters of `[A-Za-z0-9_-]`. Anything else cannot name a stored item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ItemId(String);

impl ItemId {
    pub const MAX: usize = 64;

    pub fn parse(value: &Value) -> Result<Self, String> {
        Self::parse_str(string(value)?)
    }

    pub fn parse_str(raw: &str) -> Result<Self, String> {
        if raw.is_empty() || raw.len() > Self::MAX {
            return Err(format!("must be 1 to {} characters", Self::MAX));
        }
        if !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err("may contain only letters, digits, '-' and '_'".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prices_are_integer_cents_within_bounds() {
        assert_eq!(Cents::parse_price(&json!(0)).map(Cents::get), Ok(0));
        assert_eq!(Cents::parse_price(&json!(1999)).map(Cents::get), Ok(1999));
        assert_eq!(Cents::parse_price(&json!(Cents::MAX)).map(Cents::get), Ok(Cents::MAX));
        for bad in
            [json!(-1), json!(Cents::MAX + 1), json!(19.99), json!("1999"), json!(null), json!(1e30), json!(true)]
        {
            assert!(Cents::parse_price(&bad).is_err(), "{bad} accepted");
        }
        assert!(Cents::parse_price(&json!(12.5)).unwrap_err().contains("fraction"));
        assert!(Cents::parse_price(&json!("12")).unwrap_err().contains("string"));
    }

    #[test]
    fn huge_integers_beyond_i64_are_refused_not_wrapped() {
        let huge: Value = serde_json::from_str("18446744073709551615").expect("u64 max");
        assert!(Quantity::parse(&huge).is_err());
        let huger: Value = serde_json::from_str("1000000000000000000000000").expect("parses as f64");
        assert!(Quantity::parse(&huger).is_err());
        assert!(Stock::parse(&huger).is_err());
    }

    #[test]
    fn quantities_are_1_to_1000() {
        assert_eq!(Quantity::parse(&json!(1)).map(Quantity::get), Ok(1));
        assert_eq!(Quantity::parse(&json!(1000)).map(Quantity::get), Ok(1000));
        for bad in [json!(0), json!(-3), json!(1001), json!(1.5), json!(2.0), json!("2"), json!([1])] {
            assert!(Quantity::parse(&bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn stock_is_0_to_a_million() {
        assert_eq!(Stock::parse(&json!(0)).map(Stock::get), Ok(0));
        assert_eq!(Stock::parse(&json!(1_000_000)).map(Stock::get), Ok(1_000_000));
        for bad in [json!(-1), json!(1_000_001), json!(0.5), json!("5")] {
            assert!(Stock::parse(&bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn money_arithmetic_is_checked() {
        let price = Cents::parse_price(&json!(Cents::MAX)).expect("max price");
        let qty = Quantity::parse(&json!(1000)).expect("max qty");
        let line = price.times(qty).expect("fits");
        assert_eq!(line.get(), 100_000_000_000);
        assert_eq!(Cents(i64::MAX).plus(Cents(1)), None);
        assert_eq!(Cents(i64::MAX / 2 + 1).times(Quantity(2)), None);
        assert_eq!(Cents::from_stored(-1), None);
    }

    #[test]
    fn text_fields_are_trimmed_bounded_and_normalised() {
        assert_eq!(ProductName::parse(&json!("  Desk Lamp ")).expect("ok").as_str(), "Desk Lamp");
        assert_eq!(ProductName::parse(&json!("Desk Lamp")).expect("ok").search_key(), "desk lamp");
        for bad in [json!(""), json!("   "), json!("x".repeat(201)), json!("a\u{0}b"), json!(5)] {
            assert!(ProductName::parse(&bad).is_err(), "{bad} accepted");
        }
        assert_eq!(Description::parse(&json!(null)).expect("ok").as_str(), "");
        assert_eq!(Description::parse(&json!("two\nlines")).expect("ok").as_str(), "two\nlines");
        assert!(Description::parse(&json!("x".repeat(2001))).is_err());
        assert!(Description::parse(&json!("bell\u{7}")).is_err());
        assert_eq!(Category::parse(&json!(" Home-Office ")).expect("ok").as_str(), "home-office");
        for bad in [json!(""), json!("a b"), json!("x".repeat(51)), json!("café"), json!(null)] {
            assert!(Category::parse(&bad).is_err(), "{bad} accepted");
        }
        assert_eq!(SearchTerm::parse(" LaMp ").expect("ok").as_str(), "lamp");
        assert!(SearchTerm::parse("  ").is_err());
    }

    #[test]
    fn ids_are_opaque_but_bounded() {
        assert!(ItemId::parse(&json!("3f2a-b_9")).is_ok());
        for bad in [json!(""), json!("a#b"), json!("x".repeat(65)), json!(7), json!("../x")] {
            assert!(ItemId::parse(&bad).is_err(), "{bad} accepted");
        }
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
