//! The auth routes: login, refresh, verify, logout, signup. The authorizer lives
//! in `crate::authorizer`; all of them share `shared::token`.

pub mod login;
pub mod logout;
pub mod refresh;
pub mod signup;
pub mod verify;

use serde::{Deserialize, Serialize};
use shared::clock::Now;
use shared::domain::Role;
use shared::http::ClientInfo;
use shared::repo::attempts::Lockout;
use shared::repo::auth::{AuthRepo, SessionOrigin};
use shared::repo::users::UserRecord;
use shared::secret::Secret;
use shared::token::{new_refresh_token, refresh_token_hash, TokenService};
use shared::ApiError;

/// `{refresh_token}`, the body of refresh and logout.
#[derive(Debug, Deserialize)]
pub struct RefreshTokenBody {
    pub refresh_token: Secret,
}

#[derive(Debug, Serialize)]
pub struct TokenUser {
    pub id: String,
    pub username: String,
    pub role: Role,
}

/// The answer of login and refresh.
#[derive(Debug, Serialize)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_expires_in: u64,
    pub user: TokenUser,
}

/// A new refresh token and its stored hash.
pub fn fresh_refresh_token() -> Result<(Secret, String), ApiError> {
    let token = new_refresh_token().map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    let hash = refresh_token_hash(token.expose()).ok_or_else(|| ApiError::internal("fresh token did not hash"))?;
    Ok((token, hash))
}

/// Signs an access token for `user`'s session `session_id` and packs the pair.
pub fn token_pair(
    tokens: &TokenService,
    user: &UserRecord,
    session_id: &str,
    refresh: Secret,
    now: Now,
) -> Result<TokenPair, ApiError> {
    let access =
        tokens.issue_access(&user.id, &user.username, user.role, session_id, now).map_err(ApiError::internal)?;
    let settings = tokens.settings();
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh.expose().to_owned(),
        token_type: "Bearer",
        expires_in: settings.access_ttl_secs,
        refresh_expires_in: settings.refresh_ttl_secs,
        user: TokenUser { id: user.id.clone(), username: user.username.clone(), role: user.role },
    })
}

/// Starts a session for `user`, from the client that logged in, and returns
/// its first token pair and the session's id.
pub async fn start_session(
    tokens: &TokenService,
    auth: &AuthRepo,
    user: &UserRecord,
    client: &ClientInfo,
) -> Result<(TokenPair, String), ApiError> {
    let now = Now::read();
    let (refresh, hash) = fresh_refresh_token()?;
    let expires_at = now.unix() + tokens.settings().refresh_ttl_secs as i64;
    let origin = SessionOrigin { source_ip: client.source_ip.as_deref(), user_agent: client.user_agent.as_deref() };
    let session_id = auth.start_session(&user.id, &hash, expires_at, origin, now).await?;
    Ok((token_pair(tokens, user, &session_id, refresh, now)?, session_id))
}

/// 429 `RATE_LIMITED` with `Retry-After` for a spent attempt budget.
pub fn rate_limited(what: &str, lockout: Lockout) -> ApiError {
    ApiError::RateLimited { message: format!("{what}; try again later"), retry_after_secs: lockout.retry_after_secs }
}
