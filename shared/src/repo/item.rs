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

/// Strongly consistent `BatchGetItem` of `keys` (table → keys, at most 100 in
/// all): the items found, by table. Unprocessed keys are asked for again a few
/// times, as the SDK docs ask; keys still unprocessed after that mean DynamoDB
/// is busy.
pub async fn batch_get(
    client: &aws_sdk_dynamodb::Client,
    keys: HashMap<String, Vec<Item>>,
) -> Result<HashMap<String, Vec<Item>>, StoreError> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let mut found: HashMap<String, Vec<Item>> = HashMap::new();
    let mut pending = HashMap::new();
    for (table, keys) in keys.into_iter().filter(|(_, keys)| !keys.is_empty()) {
        pending.insert(table, KeysAndAttributes::builder().set_keys(Some(keys)).consistent_read(true).build()?);
    }
    for attempt in 0..5u64 {
        if pending.is_empty() {
            return Ok(found);
        }
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
        }
        let out = client.batch_get_item().set_request_items(Some(std::mem::take(&mut pending))).send().await?;
        for (table, items) in out.responses.unwrap_or_default() {
            found.entry(table).or_default().extend(items);
        }
        pending = out.unprocessed_keys.unwrap_or_default();
        pending.retain(|_, request| !request.keys().is_empty());
    }
    if pending.is_empty() {
        return Ok(found);
    }
    tracing::warn!(tables = pending.len(), "DynamoDB busy: keys left unprocessed");
    Err(StoreError::Unavailable(crate::repo::error::Unavailable::Busy))
}
