//! Domain events, read off DynamoDB Streams records (`NEW_AND_OLD_IMAGES`) of
//! the tables where things happen: users and orders. Pure functions: a stream
//! record in, the typed events it means out.
//!
//! Every event has a stable id derived from the entity and the transition
//! (`order:<id>:paid`, `user:<id>:password_changed:<updated_at>`), not from the
//! record's `eventID`: a record read again (a retry, a bisected batch, a
//! restart from an older checkpoint) yields the same id, which is what makes
//! the consumers idempotent. An order enters each status at most once (the
//! status machine only moves forward), so `order:<id>:<status>` is unique.
//!
//! Items that are not users or orders (username claims, counters, status
//! history, idempotency keys) and changes that mean nothing to anyone (a new
//! e-mail address, a TTL deletion) yield no event.

use aws_lambda_events::event::dynamodb::EventRecord;
use serde::Serialize;
use serde_dynamo::AttributeValue;

use crate::domain::{OrderStatus, Role};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EventKind {
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.password_changed")]
    UserPasswordChanged,
    #[serde(rename = "user.role_changed")]
    UserRoleChanged,
    #[serde(rename = "user.deleted")]
    UserDeleted,
    #[serde(rename = "order.placed")]
    OrderPlaced,
    #[serde(rename = "order.paid")]
    OrderPaid,
    #[serde(rename = "order.shipped")]
    OrderShipped,
    #[serde(rename = "order.delivered")]
    OrderDelivered,
    #[serde(rename = "order.cancelled")]
    OrderCancelled,
}

impl EventKind {
    pub const ALL: [Self; 9] = [
        Self::UserCreated,
        Self::UserPasswordChanged,
        Self::UserRoleChanged,
        Self::UserDeleted,
        Self::OrderPlaced,
        Self::OrderPaid,
        Self::OrderShipped,
        Self::OrderDelivered,
        Self::OrderCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "user.created",
            Self::UserPasswordChanged => "user.password_changed",
            Self::UserRoleChanged => "user.role_changed",
            Self::UserDeleted => "user.deleted",
            Self::OrderPlaced => "order.placed",
            Self::OrderPaid => "order.paid",
            Self::OrderShipped => "order.shipped",
            Self::OrderDelivered => "order.delivered",
            Self::OrderCancelled => "order.cancelled",
        }
    }

    fn of_status(status: OrderStatus) -> Self {
        match status {
            OrderStatus::Pending => Self::OrderPlaced,
            OrderStatus::Paid => Self::OrderPaid,
            OrderStatus::Shipped => Self::OrderShipped,
            OrderStatus::Delivered => Self::OrderDelivered,
            OrderStatus::Cancelled => Self::OrderCancelled,
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown event type {s:?}"))
    }
}

/// The entity an event is about, with what a notification about it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    User { username: String, email: Option<String>, role: Role },
    Order { order_id: String, total: i64, lines: usize },
}

/// One domain event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainEvent {
    /// Stable across redeliveries (see the module's header).
    pub id: String,
    pub kind: EventKind,
    /// Whose event it is: the user, or the order's owner.
    pub user_id: String,
    pub subject: Subject,
    /// When it happened, as the item says (RFC 3339).
    pub at: String,
}

/// A record whose images do not read as a user or an order: a poison record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stream record {event_id}: {reason}")]
pub struct BadRecord {
    pub event_id: String,
    pub reason: String,
}

type Image = std::collections::HashMap<String, AttributeValue>;

fn text<'a>(image: &'a Image, key: &str) -> Option<&'a str> {
    match image.get(key) {
        Some(AttributeValue::S(value)) => Some(value),
        _ => None,
    }
}

fn number(image: &Image, key: &str) -> Option<i64> {
    match image.get(key) {
        Some(AttributeValue::N(value)) => value.parse().ok(),
        _ => None,
    }
}

struct Reader<'a> {
    record: &'a EventRecord,
}

impl Reader<'_> {
    fn bad(&self, reason: impl Into<String>) -> BadRecord {
        BadRecord { event_id: self.record.event_id.clone(), reason: reason.into() }
    }

    fn text<'i>(&self, image: &'i Image, key: &str) -> Result<&'i str, BadRecord> {
        text(image, key).ok_or_else(|| self.bad(format!("attribute `{key}` is missing or not a string")))
    }

    fn user(&self, image: &Image) -> Result<(String, Subject), BadRecord> {
        let role = self.text(image, "role")?.parse().map_err(|e: String| self.bad(format!("role: {e}")))?;
        let subject = Subject::User {
            username: self.text(image, "username")?.to_owned(),
            email: text(image, "email").map(str::to_owned),
            role,
        };
        Ok((self.text(image, "id")?.to_owned(), subject))
    }

    fn order(&self, image: &Image) -> Result<(String, OrderStatus, Subject), BadRecord> {
        let status = self.text(image, "status")?.parse().map_err(|e: String| self.bad(format!("status: {e}")))?;
        let order_id = self.text(image, "id")?.to_owned();
        let total = number(image, "total").ok_or_else(|| self.bad("attribute `total` is missing or not a number"))?;
        let lines = match image.get("items") {
            Some(AttributeValue::L(items)) => items.len(),
            _ => return Err(self.bad("attribute `items` is missing or not a list")),
        };
        Ok((self.text(image, "user_id")?.to_owned(), status, Subject::Order { order_id, total, lines }))
    }
}

/// The domain events one stream record means (none, one, or — a user whose
/// password and role changed in one write — two).
pub fn from_record(record: &EventRecord) -> Result<Vec<DomainEvent>, BadRecord> {
    let reader = Reader { record };
    let new: &Image = &record.change.new_image;
    let old: &Image = &record.change.old_image;
    let key = text(&record.change.keys, "pk")
        .or_else(|| text(new, "pk"))
        .or_else(|| text(old, "pk"))
        .ok_or_else(|| reader.bad("no string key `pk`"))?;
    let event = |kind: EventKind, id: String, user_id: String, subject: Subject, at: &str| DomainEvent {
        id,
        kind,
        user_id,
        subject,
        at: at.to_owned(),
    };
    match (record.event_name.as_str(), key.split_once('#')) {
        ("INSERT", Some(("USER", _))) => {
            let (user_id, subject) = reader.user(new)?;
            let at = reader.text(new, "created_at")?;
            Ok(vec![event(EventKind::UserCreated, format!("user:{user_id}:created"), user_id, subject, at)])
        }
        ("MODIFY", Some(("USER", _))) => {
            let (user_id, subject) = reader.user(new)?;
            let at = reader.text(new, "updated_at")?;
            let mut events = Vec::new();
            if text(old, "password_hash") != text(new, "password_hash") {
                let id = format!("user:{user_id}:password_changed:{at}");
                events.push(event(EventKind::UserPasswordChanged, id, user_id.clone(), subject.clone(), at));
            }
            if text(old, "role") != text(new, "role") {
                let id = format!("user:{user_id}:role_changed:{at}");
                events.push(event(EventKind::UserRoleChanged, id, user_id, subject, at));
            }
            Ok(events)
        }
        ("REMOVE", Some(("USER", _))) => {
            let (user_id, subject) = reader.user(old)?;
            let at = record.change.approximate_creation_date_time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            Ok(vec![event(EventKind::UserDeleted, format!("user:{user_id}:deleted"), user_id, subject, &at)])
        }
        ("INSERT", Some(("ORDER", _))) => {
            let (user_id, status, subject) = reader.order(new)?;
            let Subject::Order { order_id, .. } = &subject else { unreachable!("an order's subject") };
            let id = format!("order:{order_id}:{status}");
            let at = reader.text(new, "created_at")?.to_owned();
            Ok(vec![event(EventKind::of_status(status), id, user_id, subject, &at)])
        }
        ("MODIFY", Some(("ORDER", _))) => {
            let (user_id, status, subject) = reader.order(new)?;
            if text(old, "status") == Some(status.as_str()) {
                return Ok(Vec::new());
            }
            let Subject::Order { order_id, .. } = &subject else { unreachable!("an order's subject") };
            let id = format!("order:{order_id}:{status}");
            let at = reader.text(new, "updated_at")?.to_owned();
            Ok(vec![event(EventKind::of_status(status), id, user_id, subject, &at)])
        }
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A record as AWS (and the local gateway) sends it.
    fn record(name: &str, keys: Value, old: Option<Value>, new: Option<Value>) -> EventRecord {
        let mut dynamodb = json!({
            "ApproximateCreationDateTime": 1_700_000_000.0,
            "Keys": keys,
            "SequenceNumber": "100",
            "SizeBytes": 42,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        });
        if let Some(old) = old {
            dynamodb["OldImage"] = old;
        }
        if let Some(new) = new {
            dynamodb["NewImage"] = new;
        }
        serde_json::from_value(json!({
            "eventID": "e-1",
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x",
            "dynamodb": dynamodb,
        }))
        .expect("a DynamoDB stream record")
    }

    fn user(hash: &str, role: &str, updated: &str) -> Value {
        json!({
            "pk": {"S": "USER#u1"}, "id": {"S": "u1"}, "username": {"S": "ann"}, "email": {"S": "ann@example.com"},
            "role": {"S": role}, "password_hash": {"S": hash},
            "created_at": {"S": "2024-01-01T00:00:00.000Z"}, "updated_at": {"S": updated},
        })
    }

    fn order(status: &str, updated: &str) -> Value {
        json!({
            "pk": {"S": "ORDER#o1"}, "id": {"S": "o1"}, "user_id": {"S": "u1"}, "status": {"S": status},
            "total": {"N": "5998"}, "items": {"L": [{"M": {"product_id": {"S": "p"}}}]},
            "created_at": {"S": "2024-01-01T00:00:00.000Z"}, "updated_at": {"S": updated},
        })
    }

    fn kinds_and_ids(events: &[DomainEvent]) -> Vec<(&'static str, &str)> {
        events.iter().map(|e| (e.kind.as_str(), e.id.as_str())).collect()
    }

    #[test]
    fn a_new_order_is_placed_and_each_status_change_is_its_own_event() {
        let keys = json!({"pk": {"S": "ORDER#o1"}});
        let placed = from_record(&record("INSERT", keys.clone(), None, Some(order("pending", "t0")))).expect("ok");
        assert_eq!(kinds_and_ids(&placed), [("order.placed", "order:o1:pending")]);
        assert_eq!(placed[0].user_id, "u1");
        assert_eq!(placed[0].subject, Subject::Order { order_id: "o1".into(), total: 5998, lines: 1 });

        for (from, to, kind) in [
            ("pending", "paid", "order.paid"),
            ("paid", "shipped", "order.shipped"),
            ("shipped", "delivered", "order.delivered"),
            ("paid", "cancelled", "order.cancelled"),
        ] {
            let record = record("MODIFY", keys.clone(), Some(order(from, "t0")), Some(order(to, "t1")));
            let events = from_record(&record).expect("ok");
            assert_eq!(kinds_and_ids(&events), [(kind, format!("order:o1:{to}").as_str())]);
            assert_eq!(events[0].at, "t1");
        }
        let same = record("MODIFY", keys, Some(order("paid", "t0")), Some(order("paid", "t0")));
        assert!(from_record(&same).expect("ok").is_empty(), "no status change, no event");
    }

    #[test]
    fn user_events_come_from_what_changed() {
        let keys = json!({"pk": {"S": "USER#u1"}});
        let created = from_record(&record("INSERT", keys.clone(), None, Some(user("h1", "user", "t0")))).expect("ok");
        assert_eq!(kinds_and_ids(&created), [("user.created", "user:u1:created")]);
        assert_eq!(
            created[0].subject,
            Subject::User { username: "ann".into(), email: Some("ann@example.com".into()), role: Role::User }
        );

        let both = record("MODIFY", keys.clone(), Some(user("h1", "user", "t0")), Some(user("h2", "admin", "t1")));
        assert_eq!(
            kinds_and_ids(&from_record(&both).expect("ok")),
            [
                ("user.password_changed", "user:u1:password_changed:t1"),
                ("user.role_changed", "user:u1:role_changed:t1")
            ]
        );
        let email_only = record("MODIFY", keys.clone(), Some(user("h1", "user", "t0")), Some(user("h1", "user", "t1")));
        assert!(from_record(&email_only).expect("ok").is_empty());

        let deleted = from_record(&record("REMOVE", keys, Some(user("h1", "user", "t0")), None)).expect("ok");
        assert_eq!(kinds_and_ids(&deleted), [("user.deleted", "user:u1:deleted")]);
    }

    #[test]
    fn other_items_mean_nothing_and_a_broken_image_is_a_bad_record() {
        let claim = json!({"pk": {"S": "USERNAME#ann"}, "user_id": {"S": "u1"}});
        let insert = record("INSERT", json!({"pk": {"S": "USERNAME#ann"}}), None, Some(claim));
        assert!(from_record(&insert).expect("ok").is_empty());
        let counter = record("MODIFY", json!({"pk": {"S": "META#admins"}}), None, None);
        assert!(from_record(&counter).expect("ok").is_empty());

        let mut broken = order("pending", "t0");
        broken["status"] = json!({"S": "lost"});
        let error = from_record(&record("INSERT", json!({"pk": {"S": "ORDER#o1"}}), None, Some(broken))).unwrap_err();
        assert_eq!(error.event_id, "e-1");
        assert!(error.reason.contains("status"), "{error}");
        let mut no_owner = order("pending", "t0");
        no_owner.as_object_mut().expect("map").remove("user_id");
        assert!(from_record(&record("INSERT", json!({"pk": {"S": "ORDER#o1"}}), None, Some(no_owner))).is_err());
    }

    #[test]
    fn the_same_record_always_yields_the_same_ids() {
        let r = record("INSERT", json!({"pk": {"S": "ORDER#o1"}}), None, Some(order("pending", "t0")));
        assert_eq!(from_record(&r), from_record(&r.clone()));
        assert_eq!("order.paid".parse::<EventKind>(), Ok(EventKind::OrderPaid));
    }
}
