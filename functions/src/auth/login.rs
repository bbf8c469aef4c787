//! `POST /auth/login`: credentials in, a token pair out. Unknown users and wrong
//! passwords get the same 401 after the same work (two reads, one argon2
//! verification). Every password check is reserved before it runs, per
//! username and per source IP, so bursts cannot evaluate more guesses than the
//! limits allow: 429 with `Retry-After` once a budget is spent.

use lambda_http::Request;
use serde::Deserialize;
use shared::access::Public;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::domain::Username;
use shared::http::{json_body, ClientInfo, Reply};
use shared::password;
use shared::repo::attempts::{AttemptScope, Limit};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::auth::AuthRepo;
use shared::repo::users::UsersRepo;
use shared::secret::Secret;
use shared::token::TokenService;
use shared::{ApiError, ApiResult, InitContext, Route};

use super::{rate_limited, start_session};
use crate::audit;

/// Longest password we will spend a hash on (the policy allows 128 characters,
/// i.e. at most 512 bytes).
const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, Deserialize)]
struct LoginBody {
    username: String,
    password: Secret,
}

pub struct Login {
    users: UsersRepo,
    auth: AuthRepo,
    audit: AuditRepo,
    tokens: TokenService,
    per_username: Limit,
    per_ip: Limit,
}

fn bad_credentials() -> ApiError {
    ApiError::Unauthorized("invalid username or password".into())
}

impl Route for Login {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self {
            users: ctx.users_repo().await?,
            auth: ctx.auth_repo().await?,
            audit: ctx.audit_repo().await?,
            tokens: ctx.token_service()?,
            per_username: Limit::password_from_env(ctx.env())?,
            per_ip: Limit::login_ip_from_env(ctx.env())?,
        })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let body: LoginBody = json_body(&req)?;
        let username = Username::lookup_key(&body.username);
        if username.is_empty() || username.len() > 64 || body.password.expose().len() > MAX_PASSWORD_BYTES {
            return Err(bad_credentials());
        }
        let client = ClientInfo::of(&req);
        let now = Now::read();
        let from_ip = match self.auth.reserve_attempt(AttemptScope::LoginFrom(client.ip()), self.per_ip, now).await? {
            Ok(attempt) => attempt,
            Err(lockout) => return Err(rate_limited("too many failed logins from this address", lockout)),
        };
        let for_name =
            match self.auth.reserve_attempt(AttemptScope::Password(&username), self.per_username, now).await? {
                Ok(attempt) => attempt,
                Err(lockout) => {
                    self.auth.attempt_succeeded(from_ip).await?; // not evaluated: give it back
                    tracing::info!("login refused: the username is locked");
                    return Err(rate_limited("too many failed password attempts for this username", lockout));
                }
            };
        let user = self.users.get_by_username(&username).await?;
        let matches = password::verify(body.password, user.as_ref().map(|u| u.password_hash.clone())).await?;
        let known_id = user.as_ref().map(|u| u.id.clone());
        let Some(user) = user.filter(|_| matches) else {
            let locked = self.auth.attempt_failed(&for_name, now).await?;
            self.auth.attempt_failed(&from_ip, now).await?;
            tracing::info!(locked, "login failed");
            // The same writes for a known name as for an unknown one.
            let failed = AuditEvent::new(AuditType::LoginFailed, now).subject(known_id.as_deref(), Some(&username));
            audit::record(&self.audit, audit::from(failed, &client)).await;
            if locked {
                let locked = AuditEvent::new(AuditType::LoginLocked, now)
                    .subject(known_id.as_deref(), Some(&username))
                    .detail("locked_for_secs", self.per_username.window_secs);
                audit::record(&self.audit, audit::from(locked, &client)).await;
            }
            return Err(bad_credentials());
        };
        self.auth.attempt_succeeded(for_name).await?;
        self.auth.attempt_succeeded(from_ip).await?;
        let (pair, session_id) = start_session(&self.tokens, &self.auth, &user, &client).await?;
        tracing::info!(user_id = %user.id, "login succeeded");
        let event = AuditEvent::new(AuditType::LoginSucceeded, now)
            .actor(&user.id, &user.username)
            .subject(Some(&user.id), Some(&user.username))
            .session(&session_id);
        audit::record(&self.audit, audit::from(event, &client)).await;
        Ok(Reply::ok(pair))
    }
}
