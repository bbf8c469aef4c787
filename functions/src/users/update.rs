//! `PUT /users/{id}`: self or admin. Only an admin changes roles; changing your
//! own password needs the current one; any password change revokes that user's
//! sessions in the same transaction. The last admin cannot be demoted.

use lambda_http::Request;
use serde_json::Value;
use shared::access::SelfOrAdmin;
use shared::clock::Now;
use shared::config::ConfigError;
use shared::domain::AuditType;
use shared::domain::{Email, FullName};
use shared::http::{json_body, ClientInfo, Reply};
use shared::password;
use shared::repo::attempts::{AttemptScope, Limit};
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::repo::auth::AuthRepo;
use shared::repo::users::{UserUpdate, UserView, UsersRepo};
use shared::{ApiError, ApiResult, InitContext, Route};

use super::{change_refused, existing_user, parse_role, Problems, SessionRevoker, UpdateUserBody};
use crate::audit;

pub struct UpdateUser {
    users: UsersRepo,
    auth: AuthRepo,
    revoker: SessionRevoker,
    audit: AuditRepo,
    per_username: Limit,
}

impl Route for UpdateUser {
    type Caller = SelfOrAdmin;

    async fn init(ctx: &InitContext) -> Result<Self, ConfigError> {
        Ok(Self {
            users: ctx.users_repo().await?,
            auth: ctx.auth_repo().await?,
            revoker: SessionRevoker::init(ctx).await?,
            audit: ctx.audit_repo().await?,
            per_username: Limit::password_from_env(ctx.env())?,
        })
    }

    async fn handle(&self, access: SelfOrAdmin, req: Request) -> ApiResult<Reply> {
        let body: UpdateUserBody = json_body(&req)?;
        if body.role.as_ref().is_some_and(|r| !r.is_null()) && !access.caller.is_admin() {
            return Err(ApiError::Forbidden("only an admin can change roles".into()));
        }
        let user = existing_user(&self.users, &access.user_id).await?;

        let mut problems = Problems::default();
        let mut update = UserUpdate {
            email: body
                .email
                .map(|e| e.and_then(|e| problems.check("email", Email::parse(&e)).map(|e| e.as_str().to_owned()))),
            full_name: body.full_name.map(|n| {
                n.and_then(|n| problems.check("full_name", FullName::parse(&n)).map(|n| n.as_str().to_owned()))
            }),
            role: body
                .role
                .as_ref()
                .filter(|r| !r.is_null())
                .and_then(|r: &Value| problems.check("role", parse_role(r))),
            password_hash: None,
        };
        let new_password = body.password;
        if let Some(new) = &new_password {
            problems.check("password", password::check_policy(new.expose(), &user.username));
            if access.is_self() && body.current_password.is_none() {
                problems.check::<()>("current_password", Err("is required to change your own password".into()));
            }
        }
        problems.into_result()?;

        let now = Now::read();
        let client = ClientInfo::of(&req);
        let event = |kind| {
            let event = AuditEvent::new(kind, now).subject(Some(&user.id), Some(&user.username));
            audit::by(event, &access.caller, &client)
        };
        let mut also = Vec::new();
        if let Some(new) = new_password {
            if access.is_self() {
                self.check_current_password(&user.username, &user.password_hash, body.current_password, now).await?;
            }
            update.password_hash = Some(password::hash(new).await?);
            also.push(self.revoker.item(&user.id, now)?);
            also.push(self.audit.append_item(&event(AuditType::PasswordChanged))?);
        }
        if let Some(role) = update.role.filter(|role| *role != user.role) {
            let changed = event(AuditType::RoleChanged).detail("from", user.role.as_str()).detail("to", role.as_str());
            also.push(self.audit.append_item(&changed)?);
        }
        if update.is_empty() {
            return Err(ApiError::validation("body", "nothing to update: give email, full_name, role or password"));
        }
        let updated = self.users.update(&user, &update, &now.rfc3339(), also).await.map_err(change_refused)?;
        tracing::info!(user_id = %user.id, by = %access.caller.user_id, role_changed = update.role.is_some(),
            password_changed = update.password_hash.is_some(), "user updated");
        Ok(Reply::ok(UserView::from(&updated)))
    }
}

impl UpdateUser {
    /// The current password, checked like a login: the check is reserved in
    /// the username's budget before it runs, so a stolen access token cannot
    /// have more guesses evaluated than a login could, whatever the parallelism.
    async fn check_current_password(
        &self,
        username: &str,
        stored_hash: &str,
        given: Option<shared::secret::Secret>,
        now: Now,
    ) -> Result<(), ApiError> {
        let given = given.ok_or_else(|| ApiError::validation("current_password", "is required"))?;
        let attempt = match self.auth.reserve_attempt(AttemptScope::Password(username), self.per_username, now).await? {
            Ok(attempt) => attempt,
            Err(lockout) => {
                return Err(crate::auth::rate_limited("too many failed password attempts for this username", lockout))
            }
        };
        if password::verify(given, Some(stored_hash.to_owned())).await? {
            self.auth.attempt_succeeded(attempt).await?;
            Ok(())
        } else {
            self.auth.attempt_failed(&attempt, now).await?;
            Err(ApiError::validation("current_password", "is incorrect"))
        }
    }
}
