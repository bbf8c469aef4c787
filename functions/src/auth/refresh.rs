//! `POST /auth/refresh`: a refresh token in, a new pair out. The old token stops
//! working; presenting it again revokes the whole session.

use lambda_http::Request;
use shared::access::Public;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::http::{json_body, Reply};
use shared::repo::auth::{AuthRepo, RefreshRefusal};
use shared::repo::users::UsersRepo;
use shared::token::{refresh_token_hash, TokenService};
use shared::{ApiError, ApiResult, InitContext, Route};

use super::{fresh_refresh_token, token_pair, RefreshTokenBody};

pub struct Refresh {
    users: UsersRepo,
    auth: AuthRepo,
    tokens: TokenService,
}

impl Route for Refresh {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { users: ctx.users_repo().await?, auth: ctx.auth_repo().await?, tokens: ctx.token_service()? })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let body: RefreshTokenBody = json_body(&req)?;
        let invalid = || ApiError::Unauthorized("the refresh token is invalid, expired or revoked".into());
        let old_hash = refresh_token_hash(body.refresh_token.expose()).ok_or_else(invalid)?;
        let now = Now::read();
        let (refresh, new_hash) = fresh_refresh_token()?;
        let settings = self.tokens.settings();
        let (ttl, max) = (settings.refresh_ttl_secs as i64, settings.session_max_secs as i64);
        let rotated = match self.auth.rotate(&old_hash, &new_hash, ttl, max, now).await? {
            Ok(rotated) => rotated,
            Err(RefreshRefusal::Reused) => {
                tracing::warn!("refresh token reuse detected; session revoked");
                return Err(ApiError::Unauthorized(
                    "this refresh token was already used; the session has been revoked".into(),
                ));
            }
            Err(_) => return Err(invalid()),
        };
        // The user may have been deleted or changed role since the last token.
        let user = self.users.get(&rotated.user_id).await?.ok_or_else(invalid)?;
        Ok(Reply::ok(token_pair(&self.tokens, &user, &rotated.session_id, refresh, now)?))
    }
}
