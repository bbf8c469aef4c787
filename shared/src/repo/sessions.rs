//! Login sessions as the rest of the API sees them: whether a session (and the
//! user behind it) is still good. One strongly consistent `BatchGetItem` reads
//! the session (`FAM#<id>`) and the user's revocation marker (`REVOKE#<user>`)
//! from the auth table and the user (`USER#<id>`) from the users table; the
//! authorizer, `/auth/verify`, refresh and the admin re-check of
//! `shared::access` all decide with [`SessionsRepo::check`]. Key design:
//! docs/dynamodb.md.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;

use crate::clock::Now;
use crate::repo::auth::{family_key, revoke_key};
use crate::repo::error::StoreError;
use crate::repo::item::{batch_get, get_n, get_s, opt_n, s, Item};
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
}
