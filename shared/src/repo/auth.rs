//! The auth table: refresh tokens (by hash), sessions (token families),
//! per-user revocation markers; the attempt budgets (failed logins) are in
//! `repo::attempts`.
//! Key design: docs/dynamodb.md.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;

use crate::clock::Now;
use crate::repo::error::{applied, StoreError};
use crate::repo::item::{get_by_pk, get_n, get_s, n, s, Item};
use crate::repo::transact::{self, transact, Retry};

fn token_key(hash: &str) -> String {
    format!("RT#{hash}")
}
pub(crate) fn family_key(family_id: &str) -> String {
    format!("FAM#{family_id}")
}
pub(crate) fn revoke_key(user_id: &str) -> String {
    format!("REVOKE#{user_id}")
}

/// A refresh token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefreshToken {
    pub user_id: String,
    pub family_id: String,
    pub family_created_at_ms: i64,
    pub status: String,
    pub expires_at: i64,
}

/// A refresh token that was rotated: whose session it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub user_id: String,
    pub session_id: String,
}

/// Why a refresh token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRefusal {
    Unknown,
    Expired,
    /// An already-rotated token was presented: the whole session is now revoked.
    Reused,
    Revoked,
}

#[derive(Clone)]
pub struct AuthRepo {
    pub(crate) client: Client,
    pub(crate) table: String,
}

impl AuthRepo {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned));
        Ok(transact::put(put.build()?))
    }

    fn token_item(
        &self,
        hash: &str,
        user_id: &str,
        family_id: &str,
        family_created_at_ms: i64,
        expires_at: i64,
    ) -> Item {
        [
            ("pk".to_owned(), s(token_key(hash))),
            ("user_id".to_owned(), s(user_id)),
            ("family_id".to_owned(), s(family_id)),
            ("family_created_at".to_owned(), n(family_created_at_ms)),
            ("status".to_owned(), s("active")),
            ("expires_at".to_owned(), n(expires_at)),
        ]
        .into()
    }

    /// Starts a session (token family) with its first refresh token.
    pub async fn start_session(
        &self,
        user_id: &str,
        token_hash: &str,
        expires_at: i64,
        now: Now,
    ) -> Result<String, StoreError> {
        let family_id = uuid::Uuid::new_v4().to_string();
        let family: Item = [
            ("pk".to_owned(), s(family_key(&family_id))),
            ("user_id".to_owned(), s(user_id)),
            ("created_at".to_owned(), n(now.unix_millis())),
            ("expires_at".to_owned(), n(expires_at)),
        ]
        .into();
        let token = self.token_item(token_hash, user_id, &family_id, now.unix_millis(), expires_at);
        let items = vec![
            self.put(family, Some("attribute_not_exists(pk)"))?,
            self.put(token, Some("attribute_not_exists(pk)"))?,
        ];
        match transact(&self.client, items, Retry::OnConflict).await? {
            Ok(()) => Ok(family_id),
            // Fresh random keys: a failed condition is a fault, not an outcome.
            Err(cancelled) => Err(StoreError::internal(cancelled)),
        }
    }

    async fn get_token(&self, hash: &str) -> Result<Option<StoredRefreshToken>, StoreError> {
        let out = get_by_pk(&self.client, &self.table, token_key(hash)).await?;
        let Some(item) = out.as_ref() else { return Ok(None) };
        Ok(Some(StoredRefreshToken {
            user_id: get_s(item, "user_id")?,
            family_id: get_s(item, "family_id")?,
            family_created_at_ms: get_n(item, "family_created_at")?,
            status: get_s(item, "status")?,
            expires_at: get_n(item, "expires_at")?,
        }))
    }

    /// Rotates a refresh token: the old one stops working and a new one of the
    /// same session is stored, in one transaction whose conditions let exactly
    /// one of many concurrent rotations win. Presenting an already-rotated token
    /// revokes the session. Returns whose session it is on success.
    /// The new token lives `refresh_ttl_secs`, but never past the session's
    /// absolute end, `session_max_secs` after its login.
    pub async fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        refresh_ttl_secs: i64,
        session_max_secs: i64,
        now: Now,
    ) -> Result<Result<Rotated, RefreshRefusal>, StoreError> {
        let Some(old) = self.get_token(old_hash).await? else { return Ok(Err(RefreshRefusal::Unknown)) };
        if old.status != "active" {
            self.revoke_family(&old.family_id, now).await?;
            return Ok(Err(RefreshRefusal::Reused));
        }
        let session_end = old.family_created_at_ms / 1000 + session_max_secs;
        if old.expires_at <= now.unix() || session_end <= now.unix() {
            return Ok(Err(RefreshRefusal::Expired));
        }
        let new_expires_at = (now.unix() + refresh_ttl_secs).min(session_end);
        let retire = Update::builder()
            .table_name(&self.table)
            .key("pk", s(token_key(old_hash)))
            .update_expression("SET #status = :rotated, rotated_at = :now")
            .condition_expression("#status = :active AND expires_at > :now_secs")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":rotated", s("rotated"))
            .expression_attribute_values(":active", s("active"))
            .expression_attribute_values(":now", n(now.unix_millis()))
            .expression_attribute_values(":now_secs", n(now.unix()))
            .build()?;
        let extend_family = Update::builder()
            .table_name(&self.table)
            .key("pk", s(family_key(&old.family_id)))
            .update_expression("SET expires_at = :exp")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
            .expression_attribute_values(":exp", n(new_expires_at))
            .build()?;
        let not_revoked_since = ConditionCheck::builder()
            .table_name(&self.table)
            .key("pk", s(revoke_key(&old.user_id)))
            .condition_expression("attribute_not_exists(pk) OR revoked_before < :family_created")
            .expression_attribute_values(":family_created", n(old.family_created_at_ms))
            .build()?;
        let new_token =
            self.token_item(new_hash, &old.user_id, &old.family_id, old.family_created_at_ms, new_expires_at);
        let items = vec![
            transact::update(retire),
            transact::update(extend_family),
            transact::check(not_revoked_since),
            self.put(new_token, Some("attribute_not_exists(pk)"))?,
        ];
        // Never retried. A conflict on the old token means another rotation of
        // this very token is in flight: like a failed condition, that is the
        // reuse signal, decided at once. A retry would only delay the verdict,
        // or, where the other rotation was cancelled as well, let this one win
        // a race that is a replay all the same. A conflict on the session or on
        // the user's revocation marker means a revocation is in flight: refused,
        // as a failed condition there would be.
        let Err(cancelled) = transact(&self.client, items, Retry::Never).await? else {
            return Ok(Ok(Rotated { user_id: old.user_id, session_id: old.family_id }));
        };
        if cancelled.failed_or_conflicted(0) {
            // Someone rotated this token first: it is a replay now.
            self.revoke_family(&old.family_id, now).await?;
            Ok(Err(RefreshRefusal::Reused))
        } else if cancelled.failed_or_conflicted(1) || cancelled.failed_or_conflicted(2) {
            Ok(Err(RefreshRefusal::Revoked))
        } else {
            Err(StoreError::internal(cancelled))
        }
    }

    async fn revoke_family(&self, family_id: &str, now: Now) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(family_key(family_id)))
            .update_expression("SET revoked_at = if_not_exists(revoked_at, :now)")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", n(now.unix_millis()))
            .send()
            .await;
        applied(result).map(|_| ())
    }

    /// Ends the session a refresh token belongs to. Unknown tokens are fine:
    /// logout is idempotent.
    pub async fn revoke_session_of(&self, token_hash: &str, now: Now) -> Result<(), StoreError> {
        match self.get_token(token_hash).await? {
            Some(token) => self.revoke_family(&token.family_id, now).await,
            None => Ok(()),
        }
    }

    /// Revokes every session the user started up to now (password change,
    /// deletion). The marker outlives every token it could concern.
    pub fn revoke_user_item(&self, user_id: &str, now: Now, keep_until: i64) -> Result<TransactWriteItem, StoreError> {
        let item: Item = [
            ("pk".to_owned(), s(revoke_key(user_id))),
            ("revoked_before".to_owned(), n(now.unix_millis())),
            ("expires_at".to_owned(), n(keep_until)),
        ]
        .into();
        self.put(item, None)
    }
}
