//! Everything the functions share: configuration, the response envelope and
//! errors, domain types, security primitives, DynamoDB repositories, tracing and
//! the glue between routes and their transports
//! (`route`, `access`, `lambda`).

pub mod access;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod lambda;
pub mod mail;
pub mod metrics;
pub mod password;
pub mod repo;
pub mod route;
pub mod secret;
pub mod telemetry;
pub mod token;

pub use error::{ApiError, ApiResult};
pub use route::{InitContext, Route};
