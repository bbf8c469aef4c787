//! Notifications: the `notifications` consumer turns domain events from the
//! users and orders tables' streams into notifications (and mail), and the
//! routes let a user read theirs and mark them read.

pub mod consumer;
pub mod list;
pub mod read;
pub mod read_all;
