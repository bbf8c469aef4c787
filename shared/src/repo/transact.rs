//! The one way the repositories run a `TransactWriteItems`: send it, send it
//! again while it merely lost a race (`TransactionConflict`), and hand back why
//! DynamoDB cancelled each item, typed, so that the caller decides what a
//! failed index means and nobody matches cancellation strings.

use std::ops::Range;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;

use crate::repo::error::StoreError;

/// Attempts of a transaction that keeps losing races before its caller hears
/// of the conflict.
pub const ATTEMPTS: u32 = 8;

/// Whether a transaction that lost a race is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Up to [`ATTEMPTS`] times, with a short jittered backoff, as long as no
    /// condition failed (a failed condition is an answer, not a race).
    OnConflict,
    /// Never: the caller reads a conflict itself.
    Never,
}

/// Why DynamoDB cancelled one item of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancellation {
    /// The item's condition was false.
    ConditionalCheckFailed,
    /// Another request was writing the item at the same moment.
    TransactionConflict,
    /// Nothing was wrong with this item; another one cancelled the transaction.
    None,
    /// Any other reason DynamoDB gives (`ValidationError`, `ThrottlingError`, ...).
    Other(String),
}

impl Cancellation {
    fn from_code(code: Option<&str>) -> Self {
        match code {
            Some("ConditionalCheckFailed") => Self::ConditionalCheckFailed,
            Some("TransactionConflict") => Self::TransactionConflict,
            None | Some("None") => Self::None,
            Some(other) => Self::Other(other.to_owned()),
        }
    }
}

/// A transaction DynamoDB cancelled: the reason of each item, in request order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("transaction cancelled: {reasons:?}")]
pub struct Cancelled {
    pub reasons: Vec<Cancellation>,
}

impl Cancelled {
    /// Whether the condition of item `index` failed.
    pub fn condition_failed(&self, index: usize) -> bool {
        self.reasons.get(index) == Some(&Cancellation::ConditionalCheckFailed)
    }

    /// The first item in `items` whose condition failed.
    pub fn first_condition_failed(&self, mut items: Range<usize>) -> Option<usize> {
        items.find(|i| self.condition_failed(*i))
    }

    /// Whether the condition of any item failed.
    pub fn any_condition_failed(&self) -> bool {
        self.reasons.contains(&Cancellation::ConditionalCheckFailed)
    }

    /// Whether an item lost a race with another request.
    pub fn conflicted(&self) -> bool {
        self.reasons.contains(&Cancellation::TransactionConflict)
    }

    /// Whether item `index` failed its condition or lost a race.
    pub fn failed_or_conflicted(&self, index: usize) -> bool {
        self.condition_failed(index) || self.reasons.get(index) == Some(&Cancellation::TransactionConflict)
    }

    fn of<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<Self> {
        match err {
            SdkError::ServiceError(service) => match service.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => Some(Self {
                    reasons: cancelled
                        .cancellation_reasons()
                        .iter()
                        .map(|r| Cancellation::from_code(r.code()))
                        .collect(),
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A write that one repository hands to another to commit in the same
/// transaction, or not at all (checkout: the cart's deletion, conditioned on
/// the cart read, goes with the order). Opaque outside the repositories, so
/// handlers pass it along without seeing DynamoDB.
#[derive(Debug, Clone)]
pub struct TiedWrite(pub(crate) TransactWriteItem);

/// Runs `items` as one transaction. `Ok(Err(_))` is a cancellation the caller
/// reads; `Err(_)` is DynamoDB failing.
pub async fn transact(
    client: &Client,
    items: Vec<TransactWriteItem>,
    retry: Retry,
) -> Result<Result<(), Cancelled>, StoreError> {
    let attempts = match retry {
        Retry::OnConflict => ATTEMPTS,
        Retry::Never => 1,
    };
    let mut attempt = 1;
    loop {
        let result = client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
        let err = match result {
            Ok(_) => return Ok(Ok(())),
            Err(err) => err,
        };
        let Some(cancelled) = Cancelled::of(&err) else { return Err(err.into()) };
        if attempt < attempts && cancelled.conflicted() && !cancelled.any_condition_failed() {
            backoff(attempt).await;
            attempt += 1;
            continue;
        }
        return Ok(Err(cancelled));
    }
}

/// A short, growing, jittered pause before retrying a conflicted transaction.
async fn backoff(attempt: u32) {
    let mut byte = [0u8; 1];
    let jitter = getrandom::fill(&mut byte).map(|_| u64::from(byte[0]) % 20).unwrap_or(7);
    tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt) + jitter)).await;
}

pub fn put(put: Put) -> TransactWriteItem {
    TransactWriteItem::builder().put(put).build()
}

pub fn update(update: Update) -> TransactWriteItem {
    TransactWriteItem::builder().update(update).build()
}

pub fn delete(delete: Delete) -> TransactWriteItem {
    TransactWriteItem::builder().delete(delete).build()
}

pub fn check(check: ConditionCheck) -> TransactWriteItem {
    TransactWriteItem::builder().condition_check(check).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_reasons_are_typed_and_read_by_index() {
        let codes =
            [Some("None"), Some("ConditionalCheckFailed"), Some("TransactionConflict"), Some("ThrottlingError")];
        let cancelled = Cancelled { reasons: codes.into_iter().map(Cancellation::from_code).collect() };
        assert_eq!(cancelled.reasons[3], Cancellation::Other("ThrottlingError".into()));
        assert!(cancelled.condition_failed(1) && !cancelled.condition_failed(2) && !cancelled.condition_failed(9));
        assert!(cancelled.failed_or_conflicted(2) && !cancelled.failed_or_conflicted(0));
        assert_eq!(cancelled.first_condition_failed(2..4), None);
        assert_eq!(cancelled.first_condition_failed(0..4), Some(1));
        assert!(cancelled.conflicted() && cancelled.any_condition_failed());
        assert_eq!(Cancellation::from_code(None), Cancellation::None);
    }
}
