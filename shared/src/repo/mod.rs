//! Repositories: the only code that builds DynamoDB requests and maps items.
//! Each domain has its own table and its own repository module.
//!
//! Storage speaks the domain and knows nothing of HTTP: a repository returns
//! what happened in domain terms (a typed outcome or refusal, e.g.
//! `PlaceOutcome`, `RefreshRefusal`, `ChangeUserError::LastAdmin`), and fails
//! with [`error::StoreError`] only when storage itself fails. The handlers
//! decide what a client sees.

pub mod attempts;
pub mod audit;
pub mod auth;
pub mod carts;
pub mod cursor;
pub mod error;
pub mod item;
pub mod notifications;
pub mod orders;
pub mod page;
pub mod products;
pub mod query;
pub mod sessions;
pub mod tables;
pub mod transact;
pub mod users;
