//! Domain types that parse instead of validate: once one exists, it is valid.
//!
//! One module per domain — `users` (roles, names, e-mail), `products` (money,
//! stock, catalogue fields) and `orders` (quantities, the status machine,
//! idempotency keys, the cart's limits) — plus the bits they share: opaque ids (`ids`), the rule
//! for short text (`text`) and the reading of JSON values (`json`). Everything
//! is re-exported here: `shared::domain::Cents`.
//!
//! Numbers arrive as JSON values and are parsed here, so every way a client can
//! get one wrong (a string, a fraction, a negative, something huge) becomes one
//! readable message, and no float ever reaches a price.

mod audit;
mod ids;
mod json;
mod orders;
mod products;
mod text;
mod users;

pub use audit::AuditType;
pub use ids::ItemId;
pub use orders::{
    checkout_request_hash, order_request_hash, IdempotencyKey, OrderStatus, Quantity, CHECKOUT_FIXED_ACTIONS,
    MAX_CART_LINES, MAX_TRANSACTION_ACTIONS,
};
pub use products::{Category, Cents, Description, ProductName, SearchTerm, Stock};
pub use users::{Email, FullName, Role, Username};
