//! The users table: user items, username claims (uniqueness) and the admin
//! counter (last-admin guard). Key design: docs/dynamodb.md.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use serde::Serialize;

use crate::db::{cancellation_codes, db_error};
use crate::domain::Role;
use crate::error::ApiError;
use crate::repo::item::{get_s, n, opt_s, put_opt_s, s, Item};

/// A user as stored, credentials included. Never serialised to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub role: Role,
    pub password_hash: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A user as clients see it: no password hash, no internal keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub role: Role,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&UserRecord> for UserView {
    fn from(user: &UserRecord) -> Self {
        Self {
            id: user.id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            full_name: user.full_name.clone(),
            role: user.role,
            created_at: user.created_at.clone(),
            updated_at: user.updated_at.clone(),
        }
    }
}

pub(crate) fn user_key(id: &str) -> String {
    format!("USER#{id}")
}

pub(crate) fn username_key(username: &str) -> String {
    format!("USERNAME#{username}")
}

pub(crate) const ADMIN_COUNTER_KEY: &str = "META#admins";
pub(crate) const LIST_PK: &str = "USER";

impl UserRecord {
    pub(crate) fn to_item(&self) -> Item {
        let mut item = Item::new();
        item.insert("pk".into(), s(user_key(&self.id)));
        item.insert("id".into(), s(&self.id));
        item.insert("username".into(), s(&self.username));
        put_opt_s(&mut item, "email", self.email.as_deref());
        put_opt_s(&mut item, "full_name", self.full_name.as_deref());
        item.insert("role".into(), s(self.role.as_str()));
        item.insert("password_hash".into(), s(&self.password_hash));
        item.insert("created_at".into(), s(&self.created_at));
        item.insert("updated_at".into(), s(&self.updated_at));
        item.insert("list_pk".into(), s(LIST_PK));
        item.insert("list_sk".into(), s(&self.username));
        item
    }

    pub(crate) fn from_item(item: &Item) -> Result<Self, ApiError> {
        Ok(Self {
            id: get_s(item, "id")?,
            username: get_s(item, "username")?,
            email: opt_s(item, "email"),
            full_name: opt_s(item, "full_name"),
            role: get_s(item, "role")?.parse().map_err(ApiError::internal)?,
            password_hash: get_s(item, "password_hash")?,
            created_at: get_s(item, "created_at")?,
            updated_at: get_s(item, "updated_at")?,
        })
    }
}

#[derive(Clone)]
pub struct UsersRepo {
    pub(crate) client: Client,
    pub(crate) table: String,
}

impl UsersRepo {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// The claim that makes a username unique, created with the user.
    fn username_claim(&self, username: &str, user_id: &str) -> Result<TransactWriteItem, ApiError> {
        let put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(username_key(username)))
            .item("user_id", s(user_id))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Adds `delta` to the admin counter; a decrement requires another admin to remain.
    pub(crate) fn admin_counter(&self, delta: i64) -> Result<TransactWriteItem, ApiError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(ADMIN_COUNTER_KEY))
            .update_expression("ADD #count :delta")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":delta", n(delta));
        if delta < 0 {
            update = update.condition_expression("#count > :one").expression_attribute_values(":one", n(1));
        }
        Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
    }

    /// Creates a user; `409 CONFLICT` if the username is taken, however many
    /// creations race for it.
    pub async fn create(&self, user: &UserRecord) -> Result<(), ApiError> {
        let put_user = Put::builder()
            .table_name(&self.table)
            .set_item(Some(user.to_item()))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(ApiError::internal)?;
        let mut request = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put_user).build())
            .transact_items(self.username_claim(&user.username, &user.id)?);
        if user.role == Role::Admin {
            request = request.transact_items(self.admin_counter(1)?);
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(err) => match cancellation_codes(&err) {
                Some(codes) if codes.iter().any(|c| c == "ConditionalCheckFailed") => {
                    Err(ApiError::Conflict(format!("username {:?} is already taken", user.username)))
                }
                Some(codes) if codes.iter().any(|c| c == "TransactionConflict") => {
                    Err(ApiError::Conflict(format!("username {:?} is being created concurrently", user.username)))
                }
                _ => Err(db_error(err)),
            },
        }
    }

    /// A user by id (strongly consistent).
    pub async fn get(&self, id: &str) -> Result<Option<UserRecord>, ApiError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(user_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(db_error)?;
        out.item().map(UserRecord::from_item).transpose()
    }

    /// A user by (normalised) username.
    pub async fn get_by_username(&self, username: &str) -> Result<Option<UserRecord>, ApiError> {
        let claim = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(username_key(username)))
            .consistent_read(true)
            .send()
            .await
            .map_err(db_error)?;
        match claim.item().and_then(|item| opt_s(item, "user_id")) {
            Some(user_id) => self.get(&user_id).await,
            None => Ok(None),
        }
    }
}
