//! The auth table: refresh tokens (by hash), sessions (token families),
//! per-user revocation markers; the attempt budgets (failed logins) are in
//! `repo::attempts`.
//! Key design: docs/dynamodb.md.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;

use crate::clock::Now;
use crate::repo::error::{applied, StoreError};
use crate::repo::item::{get_by_pk, get_n, get_s, n, opt_n, opt_s, put_opt_s, s, Item};
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

/// Where a session was started from, as the gateway saw the login.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionOrigin<'a> {
    pub source_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// The `by_user` partition of a user's sessions.
pub(crate) fn sessions_of(user_id: &str) -> String {
    format!("SESSIONS#{user_id}")
}

/// A session's `by_user` sort key: its start, fixed width, so newest first
/// is descending key order.
fn session_sort_key(created_at_ms: i64, family_id: &str) -> String {
    format!("{created_at_ms:013}#{family_id}")
}

/// A refresh token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefreshToken {
    pub user_id: String,
    pub family_id: String,
    pub family_created_at_ms: i64,
    pub status: String,
    pub expires_at: i64,
    /// When it was rotated (ms), if it was.
    pub rotated_at_ms: Option<i64>,
    /// Its successor, sealed with this token (`token::seal_successor`).
    pub sealed_successor: Option<String>,
}

/// Whose session a refresh token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOf {
    pub user_id: String,
    pub session_id: String,
}

/// How refresh tokens rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationPolicy {
    /// A new token lives this long...
    pub refresh_ttl_secs: i64,
    /// ...but never past this long after the session's login.
    pub session_max_secs: i64,
    /// A token presented again within this long after its rotation is the
    /// loser of an honest race (two tabs), not a replay.
    pub reuse_grace_secs: i64,
}

/// The token a rotation stores in place of the old one.
#[derive(Debug, Clone, Copy)]
pub struct Successor<'a> {
    pub hash: &'a str,
    /// The new token sealed with the old one, so that the loser of a race —
    /// who holds the old token — can be handed the same successor.
    pub sealed: &'a str,
}

/// A rotation that went through, one way or the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// This request rotated the token: the successor it brought is stored.
    Rotated(SessionOf),
    /// Another request rotated it within the grace window: its successor,
    /// sealed with the old token, for this request to hand out too.
    RotatedMomentsAgo { session: SessionOf, sealed_successor: String },
}

/// Why a refresh token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshRefusal {
    Unknown,
    Expired,
    /// An already-rotated token was presented after the grace window: the
    /// whole session (this one) is now revoked.
    Reused(SessionOf),
    Revoked,
    /// Rotations of this token kept colliding; nothing changed.
    Busy,
}

/// The marker before which every session of `user_id` is dead.
fn revoke_marker(user_id: &str, now: Now, keep_until: i64) -> Item {
    [
        ("pk".to_owned(), s(revoke_key(user_id))),
        ("revoked_before".to_owned(), n(now.unix_millis())),
        ("expires_at".to_owned(), n(keep_until)),
    ]
    .into()
}

/// How often a rotation reads the token again after losing a race for it.
const ROTATION_ROUNDS: usize = 4;

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

    /// Starts a session (token family) with its first refresh token; `origin`
    /// is where the login came from, shown in the session list.
    pub async fn start_session(
        &self,
        user_id: &str,
        token_hash: &str,
        expires_at: i64,
        origin: SessionOrigin<'_>,
        now: Now,
    ) -> Result<String, StoreError> {
        let family_id = uuid::Uuid::new_v4().to_string();
        let mut family: Item = [
            ("pk".to_owned(), s(family_key(&family_id))),
            ("user_id".to_owned(), s(user_id)),
            ("created_at".to_owned(), n(now.unix_millis())),
            ("last_used_at".to_owned(), n(now.unix_millis())),
            ("expires_at".to_owned(), n(expires_at)),
            ("user_pk".to_owned(), s(sessions_of(user_id))),
            ("user_sk".to_owned(), s(session_sort_key(now.unix_millis(), &family_id))),
        ]
        .into();
        put_opt_s(&mut family, "source_ip", origin.source_ip);
        put_opt_s(&mut family, "user_agent", origin.user_agent);
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
            rotated_at_ms: opt_n(item, "rotated_at"),
            sealed_successor: opt_s(item, "successor"),
        }))
    }

    /// Rotates a refresh token: the old one stops working and its successor,
    /// of the same session, is stored — in one transaction whose conditions let
    /// exactly one of many concurrent rotations win, so the stored state
    /// rotates once. A request that loses that race, or presents the old token
    /// again within `reuse_grace_secs` of its rotation, gets the winner's
    /// successor (sealed with the old token): two tabs refreshing at once both
    /// go on. Presented after that window, the old token is a replay (RFC 9700
    /// §4.14) and revokes the whole session. The new token lives
    /// `refresh_ttl_secs`, but never past the session's absolute end,
    /// `session_max_secs` after its login.
    pub async fn rotate(
        &self,
        old_hash: &str,
        successor: Successor<'_>,
        policy: RotationPolicy,
        now: Now,
    ) -> Result<Result<Rotation, RefreshRefusal>, StoreError> {
        for round in 0..ROTATION_ROUNDS {
            if round > 0 {
                // Another rotation of this token is in flight: let it land.
                tokio::time::sleep(std::time::Duration::from_millis(15 * round as u64)).await;
            }
            let Some(old) = self.get_token(old_hash).await? else { return Ok(Err(RefreshRefusal::Unknown)) };
            let session = SessionOf { user_id: old.user_id.clone(), session_id: old.family_id.clone() };
            if old.status != "active" {
                let within_grace =
                    old.rotated_at_ms.is_some_and(|at| now.unix_millis() - at <= policy.reuse_grace_secs * 1000);
                return match old.sealed_successor {
                    Some(sealed_successor) if within_grace => {
                        Ok(Ok(Rotation::RotatedMomentsAgo { session, sealed_successor }))
                    }
                    _ => {
                        self.revoke_family(&old.family_id, now).await?;
                        Ok(Err(RefreshRefusal::Reused(session)))
                    }
                };
            }
            let session_end = old.family_created_at_ms / 1000 + policy.session_max_secs;
            if old.expires_at <= now.unix() || session_end <= now.unix() {
                return Ok(Err(RefreshRefusal::Expired));
            }
            let new_expires_at = (now.unix() + policy.refresh_ttl_secs).min(session_end);
            let retire = Update::builder()
                .table_name(&self.table)
                .key("pk", s(token_key(old_hash)))
                .update_expression("SET #status = :rotated, rotated_at = :now, successor = :successor")
                .condition_expression("#status = :active AND expires_at > :now_secs")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":rotated", s("rotated"))
                .expression_attribute_values(":active", s("active"))
                .expression_attribute_values(":now", n(now.unix_millis()))
                .expression_attribute_values(":now_secs", n(now.unix()))
                .expression_attribute_values(":successor", s(successor.sealed))
                .build()?;
            let extend_family = Update::builder()
                .table_name(&self.table)
                .key("pk", s(family_key(&old.family_id)))
                .update_expression("SET expires_at = :exp, last_used_at = :now")
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
                .expression_attribute_values(":exp", n(new_expires_at))
                .expression_attribute_values(":now", n(now.unix_millis()))
                .build()?;
            let not_revoked_since = ConditionCheck::builder()
                .table_name(&self.table)
                .key("pk", s(revoke_key(&old.user_id)))
                .condition_expression("attribute_not_exists(pk) OR revoked_before < :family_created")
                .expression_attribute_values(":family_created", n(old.family_created_at_ms))
                .build()?;
            let new_token =
                self.token_item(successor.hash, &old.user_id, &old.family_id, old.family_created_at_ms, new_expires_at);
            let items = vec![
                transact::update(retire),
                transact::update(extend_family),
                transact::check(not_revoked_since),
                self.put(new_token, Some("attribute_not_exists(pk)"))?,
            ];
            // Not retried by the helper: a conflict or a failed condition on the
            // old token means another rotation of it won or is in flight, and
            // the next round reads which (the winner's successor, within the
            // grace window). A conflict on the session or on the user's
            // revocation marker means a revocation is in flight: refused, as a
            // failed condition there would be.
            let Err(cancelled) = transact(&self.client, items, Retry::Never).await? else {
                return Ok(Ok(Rotation::Rotated(session)));
            };
            if cancelled.failed_or_conflicted(0) {
                continue; // another rotation of this token: read what it did
            }
            if cancelled.failed_or_conflicted(1) || cancelled.failed_or_conflicted(2) {
                return Ok(Err(RefreshRefusal::Revoked));
            }
            return Err(StoreError::internal(cancelled));
        }
        Ok(Err(RefreshRefusal::Busy))
    }

    /// Ends a session (logout, an ended session, reuse). Idempotent: the
    /// first end is the one recorded.
    pub async fn end_session(&self, session_id: &str, now: Now) -> Result<(), StoreError> {
        self.revoke_family(session_id, now).await
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

    /// Ends the session a refresh token belongs to and says whose it was.
    /// Unknown tokens are fine (`None`): logout is idempotent.
    pub async fn revoke_session_of(&self, token_hash: &str, now: Now) -> Result<Option<SessionOf>, StoreError> {
        let Some(token) = self.get_token(token_hash).await? else { return Ok(None) };
        self.revoke_family(&token.family_id, now).await?;
        Ok(Some(SessionOf { user_id: token.user_id, session_id: token.family_id }))
    }

    /// Revokes every session the user started up to now (password change,
    /// deletion), as an item of the transaction that makes the change. The
    /// marker outlives every token it could concern.
    pub fn revoke_user_item(&self, user_id: &str, now: Now, keep_until: i64) -> Result<TransactWriteItem, StoreError> {
        self.put(revoke_marker(user_id, now, keep_until), None)
    }

    /// Revokes every session the user started up to now, on its own (an admin
    /// ending them all): one `PutItem`, however many sessions there are.
    pub async fn revoke_user_sessions(&self, user_id: &str, now: Now, keep_until: i64) -> Result<(), StoreError> {
        let item = revoke_marker(user_id, now, keep_until);
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await?;
        Ok(())
    }
}
