//! Handler code of every Lambda function. Each route is a [`shared::Route`]; its
//! binary in `src/bin/` only names it. [`registry`] lists them all for the local
//! gateway, keyed by the binary name that `template.yaml` builds.

pub mod auth;
pub mod authorizer;
pub mod health;
pub mod orders;
pub mod products;
pub mod users;

use shared::lambda::{build, build_event, EventHandlerBuilder, RouteBuilder};

/// Every HTTP function, by binary name (`BuildProperties: Binary:` in the template).
pub fn registry() -> &'static [(&'static str, RouteBuilder)] {
    &[
        ("health", build::<health::Health>),
        ("auth-login", build::<auth::login::Login>),
        ("auth-refresh", build::<auth::refresh::Refresh>),
        ("auth-verify", build::<auth::verify::Verify>),
        ("auth-logout", build::<auth::logout::Logout>),
        ("auth-signup", build::<auth::signup::Signup>),
        ("products-list", build::<products::list::ListProducts>),
        ("products-get", build::<products::get::GetProduct>),
        ("products-create", build::<products::create::CreateProduct>),
        ("products-update", build::<products::update::UpdateProduct>),
        ("products-delete", build::<products::delete::DeleteProduct>),
        ("orders-create", build::<orders::create::CreateOrder>),
        ("orders-list", build::<orders::list::ListOrders>),
        ("orders-history", build::<orders::history::OrderHistory>),
        ("orders-get", build::<orders::get::GetOrder>),
        ("orders-update", build::<orders::update::UpdateOrder>),
    ]
}

/// The API's REQUEST authorizer function.
pub fn authorizer() -> Option<EventHandlerBuilder> {
    Some(build_event::<authorizer::Authorizer>)
}
