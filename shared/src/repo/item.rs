//! Reading and writing DynamoDB attribute maps without panics: a missing or
//! mistyped attribute is a corrupt item, named in the error.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::repo::error::StoreError;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A string attribute that must be there.
pub fn get_s(item: &Item, key: &str) -> Result<String, StoreError> {
    opt_s(item, key).ok_or_else(|| StoreError::corrupt(format!("item attribute `{key}` is missing or not a string")))
}

/// A string attribute that may be absent (or NULL).
pub fn opt_s(item: &Item, key: &str) -> Option<String> {
    item.get(key).and_then(|v| v.as_s().ok()).cloned()
}

/// A number attribute that must be there.
pub fn get_n<T: std::str::FromStr>(item: &Item, key: &str) -> Result<T, StoreError> {
    opt_n(item, key).ok_or_else(|| StoreError::corrupt(format!("item attribute `{key}` is missing or not a number")))
}

pub fn opt_n<T: std::str::FromStr>(item: &Item, key: &str) -> Option<T> {
    item.get(key).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())
}

/// A list attribute that must be there, each element read by `read`.
pub fn get_list<T>(
    item: &Item,
    key: &str,
    read: impl Fn(&AttributeValue) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    item.get(key)
        .and_then(|v| v.as_l().ok())
        .ok_or_else(|| StoreError::corrupt(format!("item attribute `{key}` is missing or not a list")))?
        .iter()
        .map(read)
        .collect()
}

/// Sets `key` to a string, or leaves it out for `None` (DynamoDB has no empty
/// optional strings worth storing).
pub fn put_opt_s(item: &mut Item, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        item.insert(key.to_owned(), s(value));
    }
}

/// A strongly consistent `GetItem` by partition key `pk`.
pub async fn get_by_pk(client: &aws_sdk_dynamodb::Client, table: &str, pk: String) -> Result<Option<Item>, StoreError> {
    let out = client.get_item().table_name(table).key("pk", s(pk)).consistent_read(true).send().await?;
    Ok(out.item)
}
