//! Handler code of every Lambda function. Each route is a [`shared::Route`]; its
//! binary in `src/bin/` only names it. [`registry`] lists them all for the local
//! gateway, keyed by the binary name that `template.yaml` builds.

pub mod health;

use shared::lambda::{build, RouteBuilder};

/// Every HTTP function, by binary name (`BuildProperties: Binary:` in the template).
pub fn registry() -> &'static [(&'static str, RouteBuilder)] {
    &[("health", build::<health::Health>)]
}

/// The API's REQUEST authorizer function, if the API has one.
pub fn authorizer() -> Option<shared::lambda::EventHandlerBuilder> {
    None
}
