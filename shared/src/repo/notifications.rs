//! The notifications table: one item per notification, recorded once per
//! domain event (the item's key is derived from the event's stable id, and the
//! put is conditional), listed per user newest first, with a sparse index of
//! the unread ones. Key design: docs/dynamodb.md.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure, Select};
use aws_sdk_dynamodb::Client;
use serde::Serialize;

use crate::repo::cursor;
use crate::repo::error::{condition_failed, StoreError};
use crate::repo::item::{get_s, n, s, Item};
use crate::repo::page::{ListError, Page, PageRequest};

const BY_OWNER: &str = "by_owner";
const UNREAD: &str = "unread";
/// Notifications are kept this long, then DynamoDB's TTL removes them.
pub const RETENTION_SECS: i64 = 90 * 24 * 60 * 60;
/// Items marked read per `Query` page of `mark_all_read`.
const READ_ALL_PAGE: i32 = 100;

fn note_key(id: &str) -> String {
    format!("NOTE#{id}")
}
fn notes_of(user_id: &str) -> String {
    format!("NOTES#{user_id}")
}

/// A notification as stored and as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: String,
    #[serde(skip)]
    pub user_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The entity's id (`order_id`, `user_id`) and whatever else the client needs.
    pub data: serde_json::Map<String, serde_json::Value>,
    pub read: bool,
    pub created_at: String,
}

/// How recording a notification went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// It is new.
    New,
    /// It was recorded before (a redelivered event); `emailed` says whether
    /// its mail went out then.
    Duplicate { emailed: bool },
}

impl Notification {
    fn to_item(&self, expires_at: i64) -> Item {
        let mut item: Item = [
            ("pk".to_owned(), s(note_key(&self.id))),
            ("id".to_owned(), s(&self.id)),
            ("user_id".to_owned(), s(&self.user_id)),
            ("type".to_owned(), s(&self.kind)),
            ("title".to_owned(), s(&self.title)),
            ("body".to_owned(), s(&self.body)),
            ("data".to_owned(), s(serde_json::Value::Object(self.data.clone()).to_string())),
            ("read".to_owned(), AttributeValue::Bool(self.read)),
            ("created_at".to_owned(), s(&self.created_at)),
            ("owner_pk".to_owned(), s(notes_of(&self.user_id))),
            ("owner_sk".to_owned(), s(format!("{}#{}", self.created_at, self.id))),
            ("emailed".to_owned(), AttributeValue::Bool(false)),
            ("expires_at".to_owned(), n(expires_at)),
        ]
        .into();
        if !self.read {
            item.insert("unread_pk".to_owned(), s(notes_of(&self.user_id)));
        }
        item
    }

    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let data = match serde_json::from_str(&get_s(item, "data")?).map_err(StoreError::corrupt)? {
            serde_json::Value::Object(map) => map,
            _ => return Err(StoreError::corrupt("notification data is not an object")),
        };
        Ok(Self {
            id: get_s(item, "id")?,
            user_id: get_s(item, "user_id")?,
            kind: get_s(item, "type")?,
            title: get_s(item, "title")?,
            body: get_s(item, "body")?,
            data,
            read: item.get("read").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
            created_at: get_s(item, "created_at")?,
        })
    }
}

#[derive(Clone)]
pub struct NotificationsRepo {
    client: Client,
    table: String,
}

impl NotificationsRepo {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// Records `notification` unless one with its id exists (conditional put):
    /// a redelivered event never makes a second one.
    pub async fn record(&self, notification: &Notification, now_unix: i64) -> Result<Recorded, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(notification.to_item(now_unix + RETENTION_SECS)))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Recorded::New),
            Err(err) if condition_failed(&err) => {
                let emailed = match &err {
                    aws_sdk_dynamodb::error::SdkError::ServiceError(service) => match service.err() {
                        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e) => e
                            .item()
                            .and_then(|item| item.get("emailed"))
                            .and_then(|v| v.as_bool().ok())
                            .copied()
                            .unwrap_or(false),
                        _ => false,
                    },
                    _ => false,
                };
                Ok(Recorded::Duplicate { emailed })
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Notes that the notification's mail went out.
    pub async fn mark_emailed(&self, id: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(note_key(id)))
            .update_expression("SET emailed = :yes")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await
            .map(|_| ())
            .or_else(|err| if condition_failed(&err) { Ok(()) } else { Err(err.into()) })
    }

    /// One page of a user's notifications, newest first.
    pub async fn list_for(&self, user_id: &str, page: &PageRequest) -> Result<Page<Notification>, ListError> {
        let owner = notes_of(user_id);
        let scope = format!("notifications:{user_id}");
        let start = page
            .cursor
            .as_deref()
            .map(|c| cursor::decode(c, &scope, &["pk", "owner_pk", "owner_sk"], &[("owner_pk", &owner)]))
            .transpose()?;
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_OWNER)
            .key_condition_expression("owner_pk = :owner")
            .expression_attribute_values(":owner", s(&owner))
            .scan_index_forward(false)
            .limit(i32::from(page.limit))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(StoreError::from)?;
        let items = out.items().iter().map(Notification::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor: cursor::next(&scope, out.last_evaluated_key()) })
    }

    /// A `Query` of the user's key of the sparse `unread` index.
    fn unread_of(&self, user_id: &str) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(UNREAD)
            .key_condition_expression("unread_pk = :owner")
            .expression_attribute_values(":owner", s(notes_of(user_id)))
    }

    /// How many of a user's notifications are unread: a count on the sparse
    /// `unread` index (only unread items carry its key), so it costs what the
    /// unread ones weigh, never a scan of the read ones.
    pub async fn unread_count(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut count = 0u64;
        let mut start = None;
        loop {
            let out =
                self.unread_of(user_id).select(Select::Count).set_exclusive_start_key(start.take()).send().await?;
            count += u64::try_from(out.count()).unwrap_or(0);
            match out.last_evaluated_key().filter(|k| !k.is_empty()) {
                Some(key) => start = Some(key.clone()),
                None => return Ok(count),
            }
        }
    }

    /// Marks one notification read if it is the user's; `None` when there is
    /// no such notification of theirs (someone else's looks the same).
    pub async fn mark_read(&self, user_id: &str, id: &str) -> Result<Option<Notification>, StoreError> {
        self.mark(user_id, id, "attribute_exists(pk) AND user_id = :user").await
    }

    async fn mark(&self, user_id: &str, id: &str, condition: &str) -> Result<Option<Notification>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(note_key(id)))
            .update_expression("SET #read = :yes REMOVE unread_pk")
            .condition_expression(condition)
            .expression_attribute_names("#read", "read")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":user", s(user_id))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => out.attributes().map(Notification::from_item).transpose(),
            Err(err) if condition_failed(&err) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Marks every unread notification of the user read; returns how many.
    pub async fn mark_all_read(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut marked = 0;
        loop {
            let out = self.unread_of(user_id).limit(READ_ALL_PAGE).send().await?;
            let mut marked_now = 0;
            for item in out.items() {
                let id = get_s(item, "pk")?;
                let id = id.strip_prefix("NOTE#").unwrap_or(&id);
                // Only what is still unread: an index that lags behind never
                // makes one notification count twice.
                let condition = "attribute_exists(unread_pk) AND user_id = :user";
                if self.mark(user_id, id, condition).await?.is_some() {
                    marked_now += 1;
                }
            }
            marked += marked_now;
            if marked_now == 0 {
                return Ok(marked);
            }
        }
    }
}
