//! Opaque pagination cursors.
//!
//! A cursor carries DynamoDB's `LastEvaluatedKey` together with the scope of the
//! query it came from (e.g. whose orders). Decoding checks the scope and that the
//! key has exactly the expected string attributes, so a forged or foreign cursor
//! is refused ([`InvalidCursor`]) and can never start a query in someone else's
//! key space.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::repo::item::Item;

/// A cursor that was not issued for the query it is presented to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidCursor;

#[derive(Serialize, Deserialize)]
struct Wire {
    s: String,
    k: BTreeMap<String, String>,
}

/// Encodes a `LastEvaluatedKey` (string attributes only) for `scope`.
pub fn encode(scope: &str, key: &Item) -> Option<String> {
    let k = key.iter().map(|(name, value)| Some((name.clone(), value.as_s().ok()?.clone()))).collect::<Option<_>>()?;
    let json = serde_json::to_vec(&Wire { s: scope.to_owned(), k }).ok()?;
    Some(URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor for `scope` whose key must consist of exactly `attributes`,
/// and where `pinned` attributes must have the given values.
pub fn decode(cursor: &str, scope: &str, attributes: &[&str], pinned: &[(&str, &str)]) -> Result<Item, InvalidCursor> {
    if cursor.len() > 2048 {
        return Err(InvalidCursor);
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor.as_bytes()).map_err(|_| InvalidCursor)?;
    let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| InvalidCursor)?;
    if wire.s != scope || wire.k.len() != attributes.len() || !attributes.iter().all(|a| wire.k.contains_key(*a)) {
        return Err(InvalidCursor);
    }
    if wire.k.values().any(|v| v.is_empty() || v.len() > 1024) {
        return Err(InvalidCursor);
    }
    if pinned.iter().any(|(name, value)| wire.k.get(*name).map(String::as_str) != Some(*value)) {
        return Err(InvalidCursor);
    }
    Ok(wire.k.into_iter().map(|(k, v)| (k, AttributeValue::S(v))).collect())
}

/// `next_cursor` of a page: present only when DynamoDB says there is more.
pub fn next(scope: &str, last_evaluated_key: Option<&Item>) -> Option<String> {
    last_evaluated_key.filter(|k| !k.is_empty()).and_then(|k| encode(scope, k))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::repo::item::s;

    pub(crate) fn key() -> Item {
        [("pk".to_owned(), s("USER#1")), ("list_pk".to_owned(), s("USER")), ("list_sk".to_owned(), s("ann"))].into()
    }

    #[test]
    fn round_trips_within_its_scope() {
        let cursor = encode("users", &key()).expect("encodes");
        let decoded = decode(&cursor, "users", &["pk", "list_pk", "list_sk"], &[("list_pk", "USER")]).expect("ok");
        assert_eq!(decoded, key());
    }
}
