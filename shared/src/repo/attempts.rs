//! Attempt budgets in the auth table: how many password checks a username (or
//! a source IP) may have evaluated per window, and how many signups one source
//! IP may make.
//!
//! An attempt is *reserved* atomically before the work it guards (a password
//! verification, a signup), so at most `max` attempts per window are ever
//! evaluated, however many requests run at once: the reservation is one
//! conditional `UpdateItem` (`attempts < :max`), and DynamoDB serialises the
//! writes of one item. A failed attempt keeps its unit; a successful one gives
//! back its own unit and, for a username, erases the failures that were
//! complete when it was reserved — never one counted concurrently. Key design:
//! docs/dynamodb.md.

use aws_sdk_dynamodb::types::ReturnValue;

use crate::clock::Now;
use crate::config::{ConfigError, Env};
use crate::repo::auth::AuthRepo;
use crate::repo::error::{applied, StoreError};
use crate::repo::item::{get_by_pk, n, opt_n, s};

/// What is counted, and under which key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptScope<'a> {
    /// Password checks of one (normalised) username: login and the
    /// current-password check. A success erases earlier failures; reaching the
    /// maximum locks the name for a whole window.
    Password(&'a str),
    /// Logins from one source IP, whatever the username (password spraying).
    LoginFrom(&'a str),
    /// Signups from one source IP.
    SignupFrom(&'a str),
}

impl AttemptScope<'_> {
    fn key(self) -> String {
        match self {
            Self::Password(username) => format!("LOGIN#{username}"),
            Self::LoginFrom(ip) => format!("IPLOGIN#{ip}"),
            Self::SignupFrom(ip) => format!("IPSIGNUP#{ip}"),
        }
    }

    /// Whether a success forgets the failures before it ("consecutive failures").
    fn success_erases_failures(self) -> bool {
        matches!(self, Self::Password(_))
    }

    /// Whether reaching the maximum with failures locks for a window from the last one.
    fn locks(self) -> bool {
        matches!(self, Self::Password(_))
    }
}

/// At most `max` attempts per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window_secs: i64,
}

impl Limit {
    /// Password checks per username: `LOGIN_MAX_FAILURES` (default and maximum
    /// 10) within `LOGIN_LOCKOUT_SECONDS` (default 900).
    pub fn password_from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            max: env.int_in("LOGIN_MAX_FAILURES", 10, 1..=10)? as u32,
            window_secs: env.int_in("LOGIN_LOCKOUT_SECONDS", 900, 1..=86_400)? as i64,
        })
    }

    /// Failed logins per source IP: `LOGIN_IP_MAX_FAILURES` (default 100) within
    /// `LOGIN_IP_WINDOW_SECONDS` (default 900).
    pub fn login_ip_from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            max: env.int_in("LOGIN_IP_MAX_FAILURES", 100, 1..=100_000)? as u32,
            window_secs: env.int_in("LOGIN_IP_WINDOW_SECONDS", 900, 1..=86_400)? as i64,
        })
    }

    /// Signups per source IP: `SIGNUP_IP_MAX` (default 20) within
    /// `SIGNUP_IP_WINDOW_SECONDS` (default 3600).
    pub fn signup_ip_from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            max: env.int_in("SIGNUP_IP_MAX", 20, 1..=100_000)? as u32,
            window_secs: env.int_in("SIGNUP_IP_WINDOW_SECONDS", 3600, 1..=86_400)? as i64,
        })
    }
}

/// A budget that is spent: no attempt may start before `retry_after_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// Seconds until an attempt may start again (at least 1).
    pub retry_after_secs: u64,
}

/// One reserved attempt. Report how it went with [`AuthRepo::attempt_failed`]
/// or [`AuthRepo::attempt_succeeded`]; an attempt that is never reported (a
/// signup, a crashed function) keeps its unit until the window ends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "report the attempt's outcome, or let it count deliberately"]
pub struct Attempt {
    key: String,
    limit: Limit,
    locks: bool,
    erases: bool,
    /// The window the unit was taken from (ms): a report that arrives after a
    /// new window started changes nothing.
    window_ms: i64,
    /// Failures complete when the unit was taken.
    prior_failures: u32,
}

/// How many times a reservation retries when its window is being replaced concurrently.
const RESERVE_ROUNDS: usize = 4;

impl AuthRepo {
    /// Takes one attempt of `scope`'s budget, or says how long it is spent.
    pub async fn reserve_attempt(
        &self,
        scope: AttemptScope<'_>,
        limit: Limit,
        now: Now,
    ) -> Result<Result<Attempt, Lockout>, StoreError> {
        let key = scope.key();
        let floor_ms = now.unix_millis() - limit.window_secs * 1000;
        let expires_at = now.unix() + 2 * limit.window_secs;
        let attempt = |window_ms: i64, prior_failures: u32| Attempt {
            key: key.clone(),
            limit,
            locks: scope.locks(),
            erases: scope.success_erases_failures(),
            window_ms,
            prior_failures,
        };
        for _ in 0..RESERVE_ROUNDS {
            // A unit of the live window, if one is left and the name is not locked.
            let taken = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(&key))
                .update_expression("ADD attempts :one SET expires_at = :exp")
                .condition_expression(
                    "window_ms > :floor AND attempts < :max \
                     AND (attribute_not_exists(locked_until) OR locked_until <= :now)",
                )
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":exp", n(expires_at))
                .expression_attribute_values(":floor", n(floor_ms))
                .expression_attribute_values(":max", n(limit.max))
                .expression_attribute_values(":now", n(now.unix()))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            if let Some(out) = applied(taken)? {
                let attributes = out.attributes.unwrap_or_default();
                let window_ms = opt_n(&attributes, "window_ms").unwrap_or(now.unix_millis());
                return Ok(Ok(attempt(window_ms, opt_n(&attributes, "failures").unwrap_or(0))));
            }
            // No counter, or its window is over (and no lock outlives it): a new window.
            let started = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(&key))
                .item("window_ms", n(now.unix_millis()))
                .item("attempts", n(1))
                .item("failures", n(0))
                .item("expires_at", n(expires_at))
                .condition_expression(
                    "attribute_not_exists(pk) OR ((attribute_not_exists(window_ms) OR window_ms <= :floor) \
                     AND (attribute_not_exists(locked_until) OR locked_until <= :now))",
                )
                .expression_attribute_values(":floor", n(floor_ms))
                .expression_attribute_values(":now", n(now.unix()))
                .send()
                .await;
            if applied(started)?.is_some() {
                return Ok(Ok(attempt(now.unix_millis(), 0)));
            }
            // Both refused: spent, or another request replaced the window in between.
            let Some(item) = get_by_pk(&self.client, &self.table, key.clone()).await? else { continue };
            let window_ms: i64 = opt_n(&item, "window_ms").unwrap_or(0);
            let attempts: u32 = opt_n(&item, "attempts").unwrap_or(0);
            let locked_until: i64 = opt_n(&item, "locked_until").unwrap_or(0);
            let live = window_ms > floor_ms;
            let locked = locked_until > now.unix();
            if !locked && (!live || attempts < limit.max) {
                continue; // raced with a new window: try again
            }
            let window_end_ms = if live { window_ms + limit.window_secs * 1000 } else { 0 };
            let until_ms = if locked { (locked_until * 1000).max(window_end_ms) } else { window_end_ms };
            let wait_secs = (until_ms - now.unix_millis() + 999) / 1000;
            return Ok(Err(Lockout { retry_after_secs: wait_secs.max(1) as u64 }));
        }
        // Still racing after every round: a second's pause is the honest answer.
        Ok(Err(Lockout { retry_after_secs: 1 }))
    }

    /// The attempt failed: its unit stays spent. For a password, reaching the
    /// maximum locks the name for a window from now. Returns whether this
    /// failure engaged that lock.
    pub async fn attempt_failed(&self, attempt: &Attempt, now: Now) -> Result<bool, StoreError> {
        let counted = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&attempt.key))
            .update_expression("ADD failures :one")
            .condition_expression("window_ms = :window")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":window", n(attempt.window_ms))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        // `None`: the window ended meanwhile, and this failure belongs to none.
        let Some(counted) = applied(counted)? else { return Ok(false) };
        let failures: u32 = counted.attributes().and_then(|a| opt_n(a, "failures")).unwrap_or(1);
        if !attempt.locks || failures < attempt.limit.max {
            return Ok(false);
        }
        let locked = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&attempt.key))
            .update_expression("SET locked_until = :until")
            .condition_expression("window_ms = :window")
            .expression_attribute_values(":until", n(now.unix() + attempt.limit.window_secs))
            .expression_attribute_values(":window", n(attempt.window_ms))
            .send()
            .await;
        Ok(applied(locked)?.is_some())
    }

    /// The attempt succeeded (or was never evaluated): its unit comes back and,
    /// for a password, the failures complete before it was reserved are
    /// forgotten. Failures counted while it ran stay counted.
    pub async fn attempt_succeeded(&self, attempt: Attempt) -> Result<(), StoreError> {
        if attempt.erases && attempt.prior_failures > 0 {
            let prior = i64::from(attempt.prior_failures);
            let erased = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(&attempt.key))
                .update_expression("ADD attempts :units, failures :failures")
                .condition_expression("window_ms = :window AND failures >= :prior")
                .expression_attribute_values(":units", n(-(prior + 1)))
                .expression_attribute_values(":failures", n(-prior))
                .expression_attribute_values(":window", n(attempt.window_ms))
                .expression_attribute_values(":prior", n(prior))
                .send()
                .await;
            // `None`: another success erased them first, or the window ended.
            if applied(erased)?.is_some() {
                return Ok(());
            }
        }
        self.release(&attempt).await
    }

    /// Gives the attempt's own unit back (it was never evaluated, or it succeeded).
    async fn release(&self, attempt: &Attempt) -> Result<(), StoreError> {
        let released = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&attempt.key))
            .update_expression("ADD attempts :minus_one")
            .condition_expression("window_ms = :window AND attempts > :zero")
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":window", n(attempt.window_ms))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        applied(released).map(|_| ())
    }
}
