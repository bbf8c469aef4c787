//! Login sessions as the rest of the API sees them: whether a session (and the
//! user behind it) is still good. One strongly consistent `BatchGetItem` reads
//! the session (`FAM#<id>`) and the user's revocation marker (`REVOKE#<user>`)
//! from the auth table and the user (`USER#<id>`) from the users table; the
//! authorizer, `/auth/verify`, refresh and the admin re-check of
//! `shared::access` all decide with [`SessionsRepo::check`]. A user's live
//! sessions are listed from the auth table's `by_user` index. Key design:
//! docs/dynamodb.md.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;

use crate::clock::Now;
use crate::repo::auth::{family_key, revoke_key, sessions_of};
use crate::repo::error::StoreError;
use crate::repo::item::{batch_get, get_by_pk, get_n, get_s, n, opt_n, opt_s, s, Item};
use crate::repo::page::{ListError, Page, PageRequest};
use crate::repo::query::{Filter, IndexQuery};
use crate::repo::users::{user_key, UserRecord};

/// Why a session no longer admits anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// No such session (never was, or cleaned up after it expired).
    Unknown,
    /// Ended by logout, by its owner or an admin, or for refresh-token reuse.
    Revoked,
    /// Its refresh token (or its absolute lifetime) ran out.
    Expired,
    /// Every session of the user was revoked after this one began (password
    /// change, deletion, an admin ending them all).
    RevokedForUser,
    /// The user is gone, or the session belongs to someone else.
    UserGone,
}

/// A session that still admits its user, with the user as stored now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSession {
    pub session_id: String,
    pub user: UserRecord,
    pub created_at_ms: i64,
    /// When the session was last seen in use (ms), if recorded.
    pub last_used_at_ms: Option<i64>,
}

/// What [`SessionsRepo::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    Active(Box<ActiveSession>),
    Ended(Ended),
}

impl SessionState {
    /// Why the session ended, if it did.
    pub fn ended(&self) -> Option<Ended> {
        match self {
            Self::Active(_) => None,
            Self::Ended(reason) => Some(*reason),
        }
    }
}

/// A session as stored: what its owner (or an admin) sees in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    pub user_id: String,
    /// When the session began (its login), ms since the epoch.
    pub created_at_ms: i64,
    /// When it was last seen in use (a refresh, or the authorizer), ms.
    pub last_used_at_ms: i64,
    /// When its refresh token expires, seconds since the epoch.
    pub expires_at: i64,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub revoked: bool,
}

impl SessionInfo {
    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let created_at_ms = get_n(item, "created_at")?;
        let pk = get_s(item, "pk")?;
        Ok(Self {
            id: pk.strip_prefix("FAM#").unwrap_or(&pk).to_owned(),
            user_id: get_s(item, "user_id")?,
            created_at_ms,
            last_used_at_ms: opt_n(item, "last_used_at").unwrap_or(created_at_ms),
            expires_at: get_n(item, "expires_at")?,
            source_ip: opt_s(item, "source_ip"),
            user_agent: opt_s(item, "user_agent"),
            revoked: item.contains_key("revoked_at"),
        })
    }
}

/// How stale a session's `last_used_at` may get before the authorizer writes
/// it again: at most one write per session per this many seconds.
pub const LAST_USED_PRECISION_SECS: i64 = 300;

#[derive(Clone)]
pub struct SessionsRepo {
    pub(crate) client: Client,
    pub(crate) auth_table: String,
    pub(crate) users_table: String,
}

fn key(pk: String) -> Item {
    [("pk".to_owned(), s(pk))].into()
}

impl SessionsRepo {
    pub fn new(client: Client, auth_table: impl Into<String>, users_table: impl Into<String>) -> Self {
        Self { client, auth_table: auth_table.into(), users_table: users_table.into() }
    }

    /// Whether `session_id` is a live session of `user_id`, and the user as stored now.
    pub async fn check(&self, user_id: &str, session_id: &str, now: Now) -> Result<SessionState, StoreError> {
        let keys: HashMap<String, Vec<Item>> = [
            (self.auth_table.clone(), vec![key(family_key(session_id)), key(revoke_key(user_id))]),
            (self.users_table.clone(), vec![key(user_key(user_id))]),
        ]
        .into();
        let found = batch_get(&self.client, keys).await?;
        let auth_items = found.get(&self.auth_table).map(Vec::as_slice).unwrap_or_default();
        let with_pk = |items: &[Item], pk: &str| {
            items.iter().find(|item| item.get("pk").and_then(|v| v.as_s().ok()).is_some_and(|v| v == pk)).cloned()
        };
        let Some(session) = with_pk(auth_items, &family_key(session_id)) else {
            return Ok(SessionState::Ended(Ended::Unknown));
        };
        let user = found.get(&self.users_table).and_then(|items| with_pk(items, &user_key(user_id)));
        let Some(user) = user.as_ref().map(UserRecord::from_item).transpose()? else {
            return Ok(SessionState::Ended(Ended::UserGone));
        };
        if get_s(&session, "user_id")? != user_id {
            return Ok(SessionState::Ended(Ended::UserGone));
        }
        if session.contains_key("revoked_at") {
            return Ok(SessionState::Ended(Ended::Revoked));
        }
        if get_n::<i64>(&session, "expires_at")? <= now.unix() {
            return Ok(SessionState::Ended(Ended::Expired));
        }
        let created_at_ms: i64 = get_n(&session, "created_at")?;
        let revoked_before: Option<i64> =
            with_pk(auth_items, &revoke_key(user_id)).and_then(|marker| opt_n(&marker, "revoked_before"));
        if revoked_before.is_some_and(|before| created_at_ms <= before) {
            return Ok(SessionState::Ended(Ended::RevokedForUser));
        }
        Ok(SessionState::Active(Box::new(ActiveSession {
            session_id: session_id.to_owned(),
            user,
            created_at_ms,
            last_used_at_ms: opt_n(&session, "last_used_at"),
        })))
    }

    /// One session by id, live or not; `None` if there is none.
    pub async fn get(&self, session_id: &str) -> Result<Option<SessionInfo>, StoreError> {
        let item = get_by_pk(&self.client, &self.auth_table, family_key(session_id)).await?;
        item.as_ref().map(SessionInfo::from_item).transpose()
    }

    /// One page of `user_id`'s live sessions, newest first: a `Query` on
    /// `by_user` whose filter drops ended ones (revoked, expired, or begun
    /// before the user's revocation marker), so pages may be short.
    pub async fn list(&self, user_id: &str, page: &PageRequest, now: Now) -> Result<Page<SessionInfo>, ListError> {
        let marker = get_by_pk(&self.client, &self.auth_table, revoke_key(user_id)).await?;
        let revoked_before: i64 = marker.as_ref().and_then(|m| opt_n(m, "revoked_before")).unwrap_or(0);
        let filter = Filter {
            expression: "attribute_not_exists(revoked_at) AND expires_at > :now AND created_at > :before".into(),
            names: HashMap::new(),
            values: [(":now".to_owned(), n(now.unix())), (":before".to_owned(), n(revoked_before))].into(),
        };
        let query = IndexQuery {
            table: &self.auth_table,
            index: "by_user",
            partition: ("user_pk", sessions_of(user_id)),
            sort_key: "user_sk",
            between: None,
            filter: Some(filter),
            scope: format!("sessions:{user_id}"),
        };
        let (items, next_cursor) = query.page(&self.client, page).await?;
        let items = items.iter().map(SessionInfo::from_item).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    /// Records that a live session was used now, unless it was recorded less
    /// than [`LAST_USED_PRECISION_SECS`] ago (read by [`SessionsRepo::check`]).
    pub async fn touch(&self, session: &ActiveSession, now: Now) -> Result<(), StoreError> {
        let fresh = session.last_used_at_ms.is_some_and(|at| now.unix_millis() - at < LAST_USED_PRECISION_SECS * 1000);
        if fresh {
            return Ok(());
        }
        let touched = self
            .client
            .update_item()
            .table_name(&self.auth_table)
            .key("pk", s(family_key(&session.session_id)))
            .update_expression("SET last_used_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", n(now.unix_millis()))
            .send()
            .await;
        crate::repo::error::applied(touched).map(|_| ())
    }
}
