//! `POST /auth/logout`: ends the session a refresh token belongs to. Idempotent:
//! an unknown, expired or already revoked token is still a 200.

use lambda_http::Request;
use serde_json::json;
use shared::access::Public;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::http::{json_body, Reply};
use shared::repo::auth::AuthRepo;
use shared::token::refresh_token_hash;
use shared::{ApiResult, InitContext, Route};

use super::RefreshTokenBody;

pub struct Logout {
    auth: AuthRepo,
}

impl Route for Logout {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self { auth: ctx.auth_repo().await? })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let body: RefreshTokenBody = json_body(&req)?;
        if let Some(hash) = refresh_token_hash(body.refresh_token.expose()) {
            self.auth.revoke_session_of(&hash, Now::read()).await?;
        }
        Ok(Reply::ok(json!({ "logged_out": true })).message("the session has ended"))
    }
}
