//! Repositories: the only code that builds DynamoDB requests and maps items.
//! Each domain has its own table and its own repository module.

pub mod auth;
pub mod cursor;
pub mod item;
pub mod orders;
pub mod page;
pub mod products;
pub mod tables;
pub mod transact;
pub mod users;
