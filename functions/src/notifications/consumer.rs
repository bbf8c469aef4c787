//! The `notifications` function: fed by the event source mappings of the users
//! and orders tables' streams (template.yaml, declared as a `[[consumer]]` in
//! functions/routes.toml). For each record, in order, it reads the domain
//! events (`shared::events`), records one notification per event for the
//! user it concerns — idempotently: the notification's id is derived from
//! the event's stable id and the put is conditional — and mails it when mail
//! is configured and the user has an address.
//!
//! Failures are reported per record (`ReportBatchItemFailures`): the first
//! record that failed is reported, so the records before it are checkpointed
//! and it (and what follows) is retried; a poison
//! record is bisected out and sent to the on-failure destination without
//! holding up the shard.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde_json::{json, Map, Value};
use shared::clock::Now;
use shared::config::ConfigError;
use shared::events::{from_record, DomainEvent, EventKind, Subject};
use shared::mail::{Mail, MailError, Mailer};
use shared::repo::notifications::{Notification, NotificationsRepo, Recorded};
use shared::repo::users::UsersRepo;
use shared::route::EventHandler;
use shared::InitContext;

pub struct Notifications {
    notifications: NotificationsRepo,
    users: UsersRepo,
    mailer: Mailer,
}

/// A notification's id: derived from the event's stable id, so the same
/// event always makes the same notification.
pub fn notification_id(event_id: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(event_id.as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Integer cents as `12.34`.
fn money(cents: i64) -> String {
    format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100)
}

/// What the user reads about `event`.
pub fn notification_of(event: &DomainEvent) -> Notification {
    let mut data = Map::new();
    let (title, body) = match &event.subject {
        Subject::Order { order_id, total, lines } => {
            data.insert("order_id".into(), json!(order_id));
            let short = order_id.get(..8).unwrap_or(order_id);
            let what =
                format!("Your order {short} ({lines} line{}, {})", if *lines == 1 { "" } else { "s" }, money(*total));
            match event.kind {
                EventKind::OrderPlaced => ("Order placed".to_owned(), format!("{what} is placed and awaits payment.")),
                EventKind::OrderPaid => ("Payment received".to_owned(), format!("{what} is paid.")),
                EventKind::OrderShipped => ("Order shipped".to_owned(), format!("{what} is on its way.")),
                EventKind::OrderDelivered => ("Order delivered".to_owned(), format!("{what} was delivered.")),
                _ => ("Order cancelled".to_owned(), format!("{what} was cancelled; its items are back in stock.")),
            }
        }
        Subject::User { username, role, .. } => {
            data.insert("user_id".into(), json!(event.user_id));
            match event.kind {
                EventKind::UserCreated => {
                    (format!("Welcome, {username}"), format!("Your account {username} is ready."))
                }
                EventKind::UserPasswordChanged => (
                    "Password changed".to_owned(),
                    "Your password was changed and your other sessions were signed out. If this was not you, contact support.".to_owned(),
                ),
                EventKind::UserRoleChanged => {
                    ("Role changed".to_owned(), format!("Your role is now {}; it applies from your next sign-in.", role.as_str()))
                }
                _ => ("Account deleted".to_owned(), format!("The account {username} was deleted.")),
            }
        }
    };
    Notification {
        id: notification_id(&event.id),
        user_id: event.user_id.clone(),
        kind: event.kind.as_str().to_owned(),
        title,
        body,
        data,
        read: false,
        created_at: event.at.clone(),
    }
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    BadRecord(#[from] shared::events::BadRecord),
    #[error(transparent)]
    Store(#[from] shared::repo::error::StoreError),
    #[error(transparent)]
    Mail(#[from] shared::mail::MailError),
}

impl Notifications {
    async fn process(&self, record: &EventRecord) -> Result<(), Failure> {
        for event in from_record(record)? {
            let notification = notification_of(&event);
            let recorded = self.notifications.record(&notification, Now::read().unix()).await?;
            tracing::info!(event = %event.id, kind = %event.kind, user_id = %event.user_id, duplicate = recorded != Recorded::New, "notification");
            if recorded == (Recorded::Duplicate { emailed: true }) || !self.mailer.is_enabled() {
                continue;
            }
            let Some(to) = self.address_of(&event).await? else { continue };
            let mail = Mail {
                id: notification.id.clone(),
                to,
                subject: notification.title.clone(),
                body: notification.body.clone(),
            };
            match self.mailer.send(&mail).await {
                Ok(()) => self.notifications.mark_emailed(&notification.id).await?,
                // Final (a bad or suppressed address): the notification stays
                // recorded and listed; retrying the record cannot help.
                Err(MailError::Rejected(reason)) => {
                    tracing::warn!(notification = %notification.id, user_id = %event.user_id, %reason, "mail refused; not retried")
                }
                Err(failure) => return Err(failure.into()),
            }
        }
        Ok(())
    }

    /// Where to mail the user: the address in the user's own event, or their
    /// current one for an order.
    async fn address_of(&self, event: &DomainEvent) -> Result<Option<String>, Failure> {
        Ok(match &event.subject {
            Subject::User { email, .. } => email.clone(),
            Subject::Order { .. } => self.users.get(&event.user_id).await?.and_then(|user| user.email),
        })
    }
}

impl EventHandler for Notifications {
    type Event = Event;
    type Output = DynamoDbEventResponse;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self {
            notifications: ctx.notifications_repo().await?,
            users: ctx.users_repo().await?,
            mailer: Mailer::from_env(ctx.env())?,
        })
    }

    async fn handle(&self, event: Event) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
        // The records' notifications are independent of each other (each is
        // keyed by its own event's id and dated by the event), so a batch is
        // processed concurrently; the first record that failed is reported, and
        // the ones after it that did not fail are absorbed when redelivered.
        let results = futures_util::future::join_all(event.records.iter().map(|r| self.process(r))).await;
        let mut response = DynamoDbEventResponse::default();
        if let Some((record, failure)) =
            event.records.iter().zip(results).find_map(|(record, result)| result.err().map(|f| (record, f)))
        {
            let sequence = record.change.sequence_number.clone();
            tracing::error!(error = %failure, event_id = %record.event_id, sequence = ?sequence, "record failed; reported, the batch is retried from it");
            let mut item = DynamoDbBatchItemFailure::default();
            item.item_identifier = sequence;
            response.batch_item_failures.push(item);
        }
        Ok(response)
    }
}

/// The payload shape `{"batchItemFailures": [{"itemIdentifier": ...}]}`, for tests.
pub fn failures_of(output: &Value) -> Vec<String> {
    output["batchItemFailures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_texts_name_the_order() {
        assert_eq!(notification_id("order:o1:paid"), notification_id("order:o1:paid"));
        assert_ne!(notification_id("order:o1:paid"), notification_id("order:o1:shipped"));
        assert_eq!(notification_id("x").len(), 32);
        let event = DomainEvent {
            id: "order:0123456789:pending".into(),
            kind: EventKind::OrderPlaced,
            user_id: "u1".into(),
            subject: Subject::Order { order_id: "0123456789".into(), total: 5_998, lines: 2 },
            at: "2024-01-01T00:00:00.000Z".into(),
        };
        let note = notification_of(&event);
        assert_eq!(note.kind, "order.placed");
        assert_eq!(note.data["order_id"], "0123456789");
        assert!(note.body.contains("01234567 (2 lines, 59.98)"), "{}", note.body);
        assert_eq!(money(-5), "-0.05");
    }
}
