//! `POST /auth/refresh`: a refresh token in, a new pair out. The old token stops
//! working. Two requests with one token at once (two tabs) both get a working
//! pair of the same session — the stored state rotates once, the loser is
//! handed the winner's successor — and so does the old token presented again
//! within `REFRESH_REUSE_GRACE_SECONDS` (10 s) of its rotation; after that, it
//! is a replay and revokes the whole session.

use lambda_http::Request;
use shared::access::Public;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{json_body, ClientInfo, Reply};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::auth::{AuthRepo, RefreshRefusal, Rotation, RotationPolicy, SessionOf, Successor};
use shared::repo::sessions::{SessionState, SessionsRepo};
use shared::token::{open_successor, refresh_token_hash, seal_successor, TokenService};
use shared::{ApiError, ApiResult, InitContext, Route};

use super::{fresh_refresh_token, token_pair, RefreshTokenBody};
use crate::audit;

pub struct Refresh {
    auth: AuthRepo,
    audit: AuditRepo,
    sessions: SessionsRepo,
    tokens: TokenService,
}

fn invalid() -> ApiError {
    ApiError::Unauthorized("the refresh token is invalid, expired or revoked".into())
}

impl Route for Refresh {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self {
            auth: ctx.auth_repo().await?,
            audit: ctx.audit_repo().await?,
            sessions: ctx.sessions_repo().await?,
            tokens: ctx.token_service()?,
        })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let body: RefreshTokenBody = json_body(&req)?;
        let old = body.refresh_token;
        let old_hash = refresh_token_hash(old.expose()).ok_or_else(invalid)?;
        let now = Now::read();
        let (refresh, new_hash) = fresh_refresh_token()?;
        let sealed =
            seal_successor(old.expose(), &refresh).ok_or_else(|| ApiError::internal("fresh token did not seal"))?;
        let settings = self.tokens.settings();
        let policy = RotationPolicy {
            refresh_ttl_secs: settings.refresh_ttl_secs as i64,
            session_max_secs: settings.session_max_secs as i64,
            reuse_grace_secs: settings.refresh_grace_secs as i64,
        };
        let successor = Successor { hash: &new_hash, sealed: &sealed };
        let (session, refresh) = match self.auth.rotate(&old_hash, successor, policy, now).await? {
            Ok(Rotation::Rotated(session)) => (session, refresh),
            Ok(Rotation::RotatedMomentsAgo { session, sealed_successor }) => {
                tracing::info!(session_id = %session.session_id, "refresh raced another one: same successor");
                (session, open_successor(old.expose(), &sealed_successor).ok_or_else(invalid)?)
            }
            Err(RefreshRefusal::Reused(session)) => {
                tracing::warn!("refresh token reuse detected; session revoked");
                let event = AuditEvent::new(AuditType::RefreshReused, now)
                    .subject(Some(&session.user_id), None)
                    .session(&session.session_id);
                audit::record(&self.audit, audit::from(event, &ClientInfo::of(&req))).await;
                return Err(ApiError::Unauthorized(
                    "this refresh token was already used; the session has been revoked".into(),
                ));
            }
            Err(RefreshRefusal::Busy) => {
                return Err(ApiError::Unavailable("the session is being refreshed concurrently; try again".into()))
            }
            Err(_) => return Err(invalid()),
        };
        // The session must still be live and its user still there (deleted,
        // logged out meanwhile); the new token carries the user's current role.
        let SessionOf { user_id, session_id } = session;
        let SessionState::Active(live) = self.sessions.check(&user_id, &session_id, now).await? else {
            return Err(invalid());
        };
        Ok(Reply::ok(token_pair(&self.tokens, &live.user, &session_id, refresh, now)?))
    }
}
