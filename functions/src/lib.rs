//! Handler code of every Lambda function. Each route is a [`shared::Route`]; its
//! binary in `src/bin/` only names it. [`registry`] lists them all for the local
//! gateway, keyed by `Route::NAME` — the binary name `template.yaml` builds.

pub mod auth;
pub mod authorizer;
pub mod health;
pub mod orders;
pub mod products;
pub mod users;

use shared::lambda::{build, build_event, EventHandlerBuilder, RouteBuilder};
use shared::Route;

/// `(name, builder)` for each route type.
macro_rules! routes {
    ($($route:ty),* $(,)?) => { &[$((<$route as Route>::NAME, build::<$route>)),*] };
}

/// Every HTTP function, by binary name (`BuildProperties: Binary:` in the template).
pub fn registry() -> &'static [(&'static str, RouteBuilder)] {
    routes![
        health::Health,
        auth::login::Login,
        auth::refresh::Refresh,
        auth::verify::Verify,
        auth::logout::Logout,
        auth::signup::Signup,
        users::list::ListUsers,
        users::create::CreateUser,
        users::profile::Profile,
        users::get::GetUser,
        users::update::UpdateUser,
        users::delete::DeleteUser,
        products::list::ListProducts,
        products::get::GetProduct,
        products::create::CreateProduct,
        products::update::UpdateProduct,
        products::delete::DeleteProduct,
        orders::create::CreateOrder,
        orders::list::ListOrders,
        orders::history::OrderHistory,
        orders::get::GetOrder,
        orders::update::UpdateOrder,
    ]
}

/// The API's REQUEST authorizer function.
pub fn authorizer() -> Option<EventHandlerBuilder> {
    Some(build_event::<authorizer::Authorizer>)
}
