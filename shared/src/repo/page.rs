//! Pagination as the repositories offer it: how many items to read and where
//! to start (an opaque cursor from an earlier page), and one page of the answer.
//! Reading `?limit=` and `?cursor=` off a request is the handlers' side's job.

use serde::Serialize;

use crate::repo::cursor::InvalidCursor;
use crate::repo::error::StoreError;

/// How many items one page may hold, and the cursor of the page before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u16,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u16 = 20;
    pub const MAX_LIMIT: u16 = 100;
}

/// One page of a list: `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page with every item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The cursor was not issued for this query: forged, garbled, or another's.
    #[error("the cursor is invalid or belongs to another query")]
    InvalidCursor,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<InvalidCursor> for ListError {
    fn from(_: InvalidCursor) -> Self {
        Self::InvalidCursor
    }
}
