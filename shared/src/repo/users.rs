//! The users table: user items, username claims (uniqueness) and the admin
//! counter (last-admin guard). Key design: docs/dynamodb.md.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use serde::Serialize;

use crate::domain::Role;
use crate::repo::error::StoreError;
use crate::repo::item::{get_by_pk, get_s, n, opt_s, put_opt_s, s, Item};
use crate::repo::page::{ListError, Page, PageRequest};
use crate::repo::transact::{self, transact, Cancelled, Retry};

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

    pub(crate) fn from_item(item: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            id: get_s(item, "id")?,
            username: get_s(item, "username")?,
            email: opt_s(item, "email"),
            full_name: opt_s(item, "full_name"),
            role: get_s(item, "role")?.parse().map_err(StoreError::corrupt)?,
            password_hash: get_s(item, "password_hash")?,
            created_at: get_s(item, "created_at")?,
            updated_at: get_s(item, "updated_at")?,
        })
    }
}

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("the username is taken")]
    UsernameTaken,
    /// Creations of this username kept racing each other through every retry.
    #[error("the username is being created concurrently")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a change or deletion of a user was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeUserError {
    /// It would leave no admin.
    #[error("the last admin cannot be demoted or deleted")]
    LastAdmin,
    /// The user was changed or deleted since it was read.
    #[error("the user was changed or deleted concurrently")]
    ChangedConcurrently,
    #[error(transparent)]
    Store(#[from] StoreError),
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
    fn username_claim(&self, username: &str, user_id: &str) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(username_key(username)))
            .item("user_id", s(user_id))
            .condition_expression("attribute_not_exists(pk)")
            .build()?;
        Ok(transact::put(put))
    }

    /// Adds `delta` to the admin counter; a decrement requires another admin to remain.
    pub(crate) fn admin_counter(&self, delta: i64) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(ADMIN_COUNTER_KEY))
            .update_expression("ADD #count :delta")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":delta", n(delta));
        if delta < 0 {
            update = update.condition_expression("#count > :one").expression_attribute_values(":one", n(1));
        }
        Ok(transact::update(update.build()?))
    }

    /// Creates a user unless the username is taken, however many creations
    /// race for it: exactly one of them wins.
    pub async fn create(&self, user: &UserRecord) -> Result<(), CreateUserError> {
        let put_user = Put::builder()
            .table_name(&self.table)
            .set_item(Some(user.to_item()))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(StoreError::from)?;
        let mut items = vec![transact::put(put_user), self.username_claim(&user.username, &user.id)?];
        if user.role == Role::Admin {
            items.push(self.admin_counter(1)?);
        }
        match transact(&self.client, items, Retry::OnConflict).await? {
            Ok(()) => Ok(()),
            Err(cancelled) if cancelled.any_condition_failed() => Err(CreateUserError::UsernameTaken),
            Err(cancelled) if cancelled.conflicted() => Err(CreateUserError::Contended),
            Err(cancelled) => Err(StoreError::internal(cancelled).into()),
        }
    }

    /// A user by id (strongly consistent).
    pub async fn get(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        let out = get_by_pk(&self.client, &self.table, user_key(id)).await?;
        out.as_ref().map(UserRecord::from_item).transpose()
    }

    /// A user by (normalised) username. The user item is read whether or not
    /// the name exists — for an unknown name, a key no user can have — so a
    /// known name costs the same two reads as an unknown one (login's equal
    /// work, SECURITY.md 6.3.8).
    pub async fn get_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let claim = get_by_pk(&self.client, &self.table, username_key(username)).await?;
        let user_id = claim.as_ref().and_then(|item| opt_s(item, "user_id"));
        // Ids are UUIDs (and ItemIds never hold '!'): this key never exists.
        let read = user_id.as_deref().unwrap_or("!no-such-user");
        let user = self.get(read).await?;
        Ok(user.filter(|_| user_id.is_some()))
    }
}

/// A change to a user. `Some(None)` clears an optional field.
#[derive(Debug, Default, Clone)]
pub struct UserUpdate {
    pub email: Option<Option<String>>,
    pub full_name: Option<Option<String>>,
    pub role: Option<Role>,
    pub password_hash: Option<String>,
}

impl UserUpdate {
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.full_name.is_none() && self.role.is_none() && self.password_hash.is_none()
    }
}

/// What a cancelled change or deletion of a user means.
fn change_refused(cancelled: Cancelled, admin_counter_at: Option<usize>) -> ChangeUserError {
    if admin_counter_at.is_some_and(|i| cancelled.condition_failed(i)) {
        ChangeUserError::LastAdmin
    } else if cancelled.any_condition_failed() || cancelled.conflicted() {
        ChangeUserError::ChangedConcurrently
    } else {
        StoreError::internal(cancelled).into()
    }
}

impl UsersRepo {
    /// Applies `update` to `current` if nobody changed the user since it was read
    /// (optimistic lock on `updated_at`), adjusting the admin counter in the same
    /// transaction, together with `also` (e.g. a session revocation in the auth
    /// table). Returns the updated user.
    pub async fn update(
        &self,
        current: &UserRecord,
        update: &UserUpdate,
        now: &str,
        also: Vec<TransactWriteItem>,
    ) -> Result<UserRecord, ChangeUserError> {
        let mut next = current.clone();
        let mut sets = vec!["updated_at = :now".to_owned()];
        let mut removes = Vec::new();
        let mut builder = Update::builder()
            .table_name(&self.table)
            .key("pk", s(user_key(&current.id)))
            .condition_expression("attribute_exists(pk) AND updated_at = :seen")
            .expression_attribute_values(":seen", s(&current.updated_at))
            .expression_attribute_values(":now", s(now));
        for (field, change, slot) in
            [("email", &update.email, &mut next.email), ("full_name", &update.full_name, &mut next.full_name)]
        {
            match change {
                Some(Some(value)) => {
                    sets.push(format!("{field} = :{field}"));
                    builder = builder.expression_attribute_values(format!(":{field}"), s(value));
                    *slot = Some(value.clone());
                }
                Some(None) => {
                    removes.push(field.to_owned());
                    *slot = None;
                }
                None => {}
            }
        }
        if let Some(role) = update.role {
            sets.push("#role = :role".into());
            builder = builder
                .expression_attribute_names("#role", "role")
                .expression_attribute_values(":role", s(role.as_str()));
            next.role = role;
        }
        if let Some(hash) = &update.password_hash {
            sets.push("password_hash = :hash".into());
            builder = builder.expression_attribute_values(":hash", s(hash));
            next.password_hash = hash.clone();
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        next.updated_at = now.to_owned();
        let item = builder.update_expression(expression).build().map_err(StoreError::from)?;
        let mut items = vec![transact::update(item)];
        let mut admin_counter_at = None;
        match (current.role, next.role) {
            (Role::Admin, Role::User) => {
                admin_counter_at = Some(items.len());
                items.push(self.admin_counter(-1)?);
            }
            (Role::User, Role::Admin) => items.push(self.admin_counter(1)?),
            _ => {}
        }
        items.extend(also);
        match transact(&self.client, items, Retry::OnConflict).await? {
            Ok(()) => Ok(next),
            Err(cancelled) => Err(change_refused(cancelled, admin_counter_at)),
        }
    }

    /// Deletes a user and their username claim, keeps the admin counter right and
    /// applies `also` (the session revocation) in the same transaction.
    pub async fn delete(&self, current: &UserRecord, also: Vec<TransactWriteItem>) -> Result<(), ChangeUserError> {
        use aws_sdk_dynamodb::types::Delete;
        let user = Delete::builder()
            .table_name(&self.table)
            .key("pk", s(user_key(&current.id)))
            .condition_expression("attribute_exists(pk) AND updated_at = :seen")
            .expression_attribute_values(":seen", s(&current.updated_at))
            .build()
            .map_err(StoreError::from)?;
        let claim = Delete::builder()
            .table_name(&self.table)
            .key("pk", s(username_key(&current.username)))
            .build()
            .map_err(StoreError::from)?;
        let mut items = vec![transact::delete(user), transact::delete(claim)];
        let mut admin_counter_at = None;
        if current.role == Role::Admin {
            admin_counter_at = Some(items.len());
            items.push(self.admin_counter(-1)?);
        }
        items.extend(also);
        match transact(&self.client, items, Retry::OnConflict).await? {
            Ok(()) => Ok(()),
            Err(cancelled) => Err(change_refused(cancelled, admin_counter_at)),
        }
    }

    /// One page of users in username order.
    pub async fn list(&self, page: &PageRequest) -> Result<Page<UserRecord>, ListError> {
        use crate::repo::cursor;
        const SCOPE: &str = "users";
        let start = page
            .cursor
            .as_deref()
            .map(|c| cursor::decode(c, SCOPE, &["pk", "list_pk", "list_sk"], &[("list_pk", LIST_PK)]))
            .transpose()?;
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("by_username")
            .key_condition_expression("list_pk = :pk")
            .expression_attribute_values(":pk", s(LIST_PK))
            .limit(i32::from(page.limit))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(StoreError::from)?;
        let items = out.items().iter().map(UserRecord::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor: cursor::next(SCOPE, out.last_evaluated_key()) })
    }
}
