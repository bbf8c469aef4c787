//! HTTP-level tests through the local gateway: one DynamoDB Local for the whole
//! binary, a gateway on port 0 with its own tables per test.

#[allow(dead_code)] // each test module uses a different subset
mod helpers;

mod audit;
mod auth;
mod authorizer;
mod cart;
mod contract;
mod gateway;
mod hardening;
mod health;
mod iam;
mod notifications;
mod operability;
mod orders;
mod products;
mod sessions;
mod throttling;
mod users;
