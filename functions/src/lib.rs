//! Handler code of every Lambda function. Each route is a [`shared::Route`]
//! declared in `functions/routes.toml`; its binary in `src/bin/` and the
//! [`routes`] registry the local gateway serves are generated from that file
//! (`cargo xtask gen`).

pub mod auth;
pub mod authorizer;
pub mod cart;
pub mod health;
pub mod notifications;
pub mod orders;
pub mod products;
#[rustfmt::skip] // generated (`cargo xtask gen`), checked for freshness instead
pub mod routes;
pub mod audit;
pub mod sessions;
pub mod users;
