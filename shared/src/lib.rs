//! Everything the functions share: configuration, the response envelope and
//! errors, domain types, security primitives, DynamoDB repositories, tracing and
//! the glue that runs a handler on Lambda.

pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod lambda;
pub mod repo;
pub mod telemetry;

pub use error::{ApiError, ApiResult};
pub use lambda::{InitContext, Route};
