//! The products domain: money in integer cents, stock, and the catalogue's
//! fields (name, description, category) and search term.

use serde::Serialize;
use serde_json::Value;

use super::json::{integer_in, string};
use super::orders::Quantity;
use super::text::{honest_text, short_text};

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
        short_text(string(value)?, Self::MAX).map(|name| Self(name.to_owned()))
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
        if !text.is_empty() {
            honest_text(text)?;
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
        short_text(&raw.to_lowercase(), Self::MAX).map(|term| Self(term.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
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
        assert!(Description::parse(&json!("Safe \u{202E}txt.exe")).is_err(), "bidi control");
        assert!(ProductName::parse(&json!("\u{200B}")).is_err(), "invisible only");
        assert!(ProductName::parse(&json!("G\u{043E}\u{043E}gle Pixel")).is_err(), "mixed scripts");
        assert_eq!(Category::parse(&json!(" Home-Office ")).expect("ok").as_str(), "home-office");
        for bad in [json!(""), json!("a b"), json!("x".repeat(51)), json!("café"), json!(null)] {
            assert!(Category::parse(&bad).is_err(), "{bad} accepted");
        }
        assert_eq!(SearchTerm::parse(" LaMp ").expect("ok").as_str(), "lamp");
        assert!(SearchTerm::parse("  ").is_err());
    }
}
