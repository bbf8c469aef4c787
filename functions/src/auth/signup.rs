//! `POST /auth/signup`: anyone may create an account with the `user` role. A
//! `role` (or any other unknown field) in the body is ignored. Signups are
//! counted per source IP before any work (`SIGNUP_IP_MAX` per
//! `SIGNUP_IP_WINDOW_SECONDS`): "username already taken" is an answer a
//! signup cannot avoid giving, so probing names this way is throttled.

use lambda_http::Request;
use shared::access::Public;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::http::{json_body, ClientInfo, Reply};
use shared::repo::attempts::{AttemptScope, Limit};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::auth::AuthRepo;
use shared::repo::users::{UserView, UsersRepo};
use shared::{ApiResult, InitContext, Route};

use crate::audit;
use crate::auth::rate_limited;
use crate::users::{create_user, NewUserBody};

pub struct Signup {
    users: UsersRepo,
    auth: AuthRepo,
    audit: AuditRepo,
    per_ip: Limit,
}

impl Route for Signup {
    type Caller = Public;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self {
            users: ctx.users_repo().await?,
            auth: ctx.auth_repo().await?,
            audit: ctx.audit_repo().await?,
            per_ip: Limit::signup_ip_from_env(ctx.env())?,
        })
    }

    async fn handle(&self, _caller: Public, req: Request) -> ApiResult<Reply> {
        let new = json_body::<NewUserBody>(&req)?.parse(false)?;
        let client = ClientInfo::of(&req);
        let now = Now::read();
        // Counted whatever the outcome (a taken name included); never given back.
        if let Err(lockout) = self.auth.reserve_attempt(AttemptScope::SignupFrom(client.ip()), self.per_ip, now).await?
        {
            return Err(rate_limited("too many signups from this address", lockout));
        }
        let user = new.into_record().await?;
        create_user(&self.users, &user).await?;
        tracing::info!(user_id = %user.id, "signed up");
        let created = AuditEvent::new(AuditType::UserCreated, now)
            .actor(&user.id, &user.username)
            .subject(Some(&user.id), Some(&user.username))
            .detail("role", user.role.as_str())
            .detail("via", "signup");
        audit::record(&self.audit, audit::from(created, &client)).await;
        Ok(Reply::created(UserView::from(&user)))
    }
}
