//! `POST /auth/login`: credentials in, a token pair out. Unknown users and wrong
//! passwords get the same 401 after the same work; repeated failures for one
//! username are throttled with 429 and `Retry-After`.

use lambda_http::Request;
use serde::Deserialize;
use shared::access::Public;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::Username;
use shared::http::{json_body, Reply};
use shared::password;
use shared::repo::auth::{AuthRepo, LoginThrottle};
use shared::repo::users::UsersRepo;
use shared::secret::Secret;
use shared::token::TokenService;
use shared::{ApiError, ApiResult, InitContext, Route};

use super::{ensure_not_locked, start_session};

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
    tokens: TokenService,
    throttle: LoginThrottle,
}

fn bad_credentials() -> ApiError {
    ApiError::Unauthorized("invalid username or password".into())
}

impl Route for Login {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        let env = ctx.env();
        let throttle = LoginThrottle {
            max_failures: env.int_in("LOGIN_MAX_FAILURES", 10, 1..=10)? as u32,
            window_secs: env.int_in("LOGIN_LOCKOUT_SECONDS", 900, 1..=86_400)? as i64,
        };
        Ok(Self {
            users: ctx.users_repo().await?,
            auth: ctx.auth_repo().await?,
            tokens: ctx.token_service()?,
            throttle,
        })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let body: LoginBody = json_body(&req)?;
        let username = Username::lookup_key(&body.username);
        if username.is_empty() || username.len() > 64 || body.password.expose().len() > MAX_PASSWORD_BYTES {
            return Err(bad_credentials());
        }
        let now = Now::read();
        ensure_not_locked(&self.auth, &username, now).await?;
        let user = self.users.get_by_username(&username).await?;
        let matches = password::verify(body.password, user.as_ref().map(|u| u.password_hash.clone())).await?;
        let Some(user) = user.filter(|_| matches) else {
            let failures = self.auth.record_login_failure(&username, now, self.throttle).await?;
            tracing::info!(failures, "login failed");
            return Err(bad_credentials());
        };
        self.auth.clear_login_failures(&username).await?;
        let pair = start_session(&self.tokens, &self.auth, &user).await?;
        tracing::info!(user_id = %user.id, "login succeeded");
        Ok(Reply::ok(pair))
    }
}
