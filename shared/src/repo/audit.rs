//! The audit table: an append-only trail of security and admin events — who
//! (the actor), to whom (the subject), what, when and from where. Entries are
//! only ever put (`attribute_not_exists(pk)`); no function may update or
//! delete one (its IAM policy grants `PutItem` at most, a test checks every
//! policy). Key design: docs/dynamodb.md.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::clock::Now;
use crate::domain::AuditType;
use crate::repo::error::StoreError;
use crate::repo::item::{get_s, opt_s, put_opt_s, s, Item};
use crate::repo::page::{ListError, Page, PageRequest};
use crate::repo::query::{Filter, IndexQuery};
use crate::repo::transact;

/// An entry is only ever written once: never overwritten.
const APPEND_ONLY: &str = "attribute_not_exists(pk)";

/// The one partition of `by_time`: every event, newest first.
const ALL_EVENTS: &str = "AUDIT";

/// Someone an event names: a user by id and by the name they had then. An
/// unknown name (a failed login for a user that does not exist) has no id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub id: Option<String>,
    pub username: Option<String>,
}

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: AuditType,
    pub at: String,
    /// Who did it; `null` for an anonymous caller (a failed login, a signup).
    pub actor: Option<Party>,
    /// Whose account it concerns, if anyone's.
    pub subject: Option<Party>,
    /// The login session concerned, if one.
    pub session_id: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// What else is worth knowing (a role's old and new value, an order id...).
    pub details: Map<String, Value>,
}

impl AuditEvent {
    /// A new event of `kind`, now; its id sorts by time.
    pub fn new(kind: AuditType, now: Now) -> Self {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        Self {
            id: format!("{:013}-{}", now.unix_millis(), &unique[..16]),
            kind,
            at: now.rfc3339(),
            actor: None,
            subject: None,
            session_id: None,
            source_ip: None,
            user_agent: None,
            details: Map::new(),
        }
    }

    pub fn actor(mut self, id: &str, username: &str) -> Self {
        self.actor = Some(Party { id: Some(id.to_owned()), username: Some(username.to_owned()) });
        self
    }

    pub fn subject(mut self, id: Option<&str>, username: Option<&str>) -> Self {
        self.subject = Some(Party { id: id.map(str::to_owned), username: username.map(str::to_owned) });
        self
    }

    pub fn session(mut self, session_id: &str) -> Self {
        self.session_id = Some(session_id.to_owned());
        self
    }

    /// Where the request came from.
    pub fn origin(mut self, source_ip: Option<&str>, user_agent: Option<&str>) -> Self {
        self.source_ip = source_ip.map(str::to_owned);
        self.user_agent = user_agent.map(str::to_owned);
        self
    }

    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    fn sort_key(&self) -> String {
        format!("{}#{}", self.at, self.id)
    }

    fn to_item(&self) -> Item {
        let mut item: Item = [
            ("pk".to_owned(), s(format!("EVENT#{}", self.id))),
            ("id".to_owned(), s(&self.id)),
            ("type".to_owned(), s(self.kind.as_str())),
            ("at".to_owned(), s(&self.at)),
            ("at_sk".to_owned(), s(self.sort_key())),
            ("all_pk".to_owned(), s(ALL_EVENTS)),
            ("details".to_owned(), s(Value::Object(self.details.clone()).to_string())),
        ]
        .into();
        for (role, party) in [("actor", &self.actor), ("subject", &self.subject)] {
            let Some(party) = party else { continue };
            item.insert(format!("has_{role}"), AttributeValue::Bool(true));
            put_opt_s(&mut item, &format!("{role}_id"), party.id.as_deref());
            put_opt_s(&mut item, &format!("{role}_username"), party.username.as_deref());
            if let Some(id) = &party.id {
                item.insert(format!("{role}_pk"), s(format!("{}#{id}", role.to_ascii_uppercase())));
            }
        }
        put_opt_s(&mut item, "session_id", self.session_id.as_deref());
        put_opt_s(&mut item, "source_ip", self.source_ip.as_deref());
        put_opt_s(&mut item, "user_agent", self.user_agent.as_deref());
        item
    }

    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let party = |role: &str| {
            item.contains_key(&format!("has_{role}")).then(|| Party {
                id: opt_s(item, &format!("{role}_id")),
                username: opt_s(item, &format!("{role}_username")),
            })
        };
        let details = match serde_json::from_str(&get_s(item, "details")?) {
            Ok(Value::Object(details)) => details,
            _ => return Err(StoreError::corrupt("audit details are not a JSON object")),
        };
        Ok(Self {
            id: get_s(item, "id")?,
            kind: get_s(item, "type")?.parse().map_err(StoreError::corrupt)?,
            at: get_s(item, "at")?,
            actor: party("actor"),
            subject: party("subject"),
            session_id: opt_s(item, "session_id"),
            source_ip: opt_s(item, "source_ip"),
            user_agent: opt_s(item, "user_agent"),
            details,
        })
    }
}

/// Which events a list holds. Every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Events about this user (the subject).
    pub subject: Option<String>,
    /// Events by this user (the actor).
    pub actor: Option<String>,
    /// Only these types (`None`: all).
    pub kinds: Option<Vec<AuditType>>,
    /// RFC 3339 bounds on `at`, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Clone)]
pub struct AuditRepo {
    client: Client,
    table: String,
}

impl AuditRepo {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// Appends an event on its own.
    pub async fn append(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(event.to_item()))
            .condition_expression(APPEND_ONLY)
            .send()
            .await?;
        Ok(())
    }

    /// An event as an item of the transaction that makes the change it
    /// records: both happen, or neither.
    pub fn append_item(&self, event: &AuditEvent) -> Result<TransactWriteItem, StoreError> {
        let put =
            Put::builder().table_name(&self.table).set_item(Some(event.to_item())).condition_expression(APPEND_ONLY);
        Ok(transact::put(put.build()?))
    }

    /// One page of events, newest first: a `Query` on `by_subject`,
    /// `by_actor` or `by_time` (in that order of preference), bounded by the
    /// time range in its key condition and filtered by the rest.
    pub async fn list(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEvent>, ListError> {
        let (index, partition) = match (&filter.subject, &filter.actor) {
            (Some(subject), _) => ("by_subject", ("subject_pk", format!("SUBJECT#{subject}"))),
            (None, Some(actor)) => ("by_actor", ("actor_pk", format!("ACTOR#{actor}"))),
            (None, None) => ("by_time", ("all_pk", ALL_EVENTS.to_owned())),
        };
        let mut conditions = Vec::new();
        let mut extra = Filter::default();
        if let (Some(_), Some(actor)) = (&filter.subject, &filter.actor) {
            conditions.push("actor_id = :actor".to_owned());
            extra.values.insert(":actor".into(), s(actor));
        }
        if let Some(kinds) = &filter.kinds {
            let names: Vec<String> = (0..kinds.len()).map(|i| format!(":type{i}")).collect();
            conditions.push(format!("#type IN ({})", names.join(", ")));
            extra.names.insert("#type".into(), "type".into());
            for (name, kind) in names.iter().zip(kinds) {
                extra.values.insert(name.clone(), s(kind.as_str()));
            }
        }
        extra.expression = conditions.join(" AND ");
        let between = (filter.from.is_some() || filter.to.is_some()).then(|| {
            // `at_sk` is `<at>#<id>`: '~' sorts after every id, "0" before every time
            // (a key value may not be empty).
            let from = filter.from.clone().unwrap_or_else(|| "0".to_owned());
            (from, format!("{}~", filter.to.as_deref().unwrap_or("9999")))
        });
        let kinds: Vec<&str> = filter.kinds.iter().flatten().map(|k| k.as_str()).collect();
        let scope = format!(
            "audit:{index}:{}:{}:{}:{}:{}",
            partition.1,
            filter.actor.as_deref().unwrap_or("*"),
            kinds.join(","),
            filter.from.as_deref().unwrap_or(""),
            filter.to.as_deref().unwrap_or("")
        );
        let query = IndexQuery {
            table: &self.table,
            index,
            partition,
            sort_key: "at_sk",
            between,
            filter: (!extra.expression.is_empty()).then_some(extra),
            scope,
        };
        let (items, next_cursor) = query.page(&self.client, page).await?;
        let items = items.iter().map(AuditEvent::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_round_trips_through_its_item() {
        let event = AuditEvent::new(AuditType::RoleChanged, Now::at_unix(1_700_000_000))
            .actor("a1", "root")
            .subject(Some("u1"), Some("ann"))
            .session("s1")
            .origin(Some("203.0.113.9"), Some("curl/8"))
            .detail("from", "user")
            .detail("to", "admin");
        let item = event.to_item();
        assert_eq!(item["subject_pk"], s("SUBJECT#u1"));
        assert_eq!(item["actor_pk"], s("ACTOR#a1"));
        assert_eq!(AuditEvent::from_item(&item).expect("reads back"), event);

        let anonymous = AuditEvent::new(AuditType::LoginFailed, Now::read()).subject(None, Some("nobody"));
        let item = anonymous.to_item();
        assert!(!item.contains_key("subject_pk") && !item.contains_key("actor_pk"));
        assert_eq!(AuditEvent::from_item(&item).expect("reads back"), anonymous);
    }
}
