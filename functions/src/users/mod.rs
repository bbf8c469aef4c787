//! The users routes and the request bodies they share with signup.

use serde::Deserialize;
use serde_json::Value;
use shared::domain::{Email, FullName, Role, Username};
use shared::error::FieldError;
use shared::password;
use shared::repo::users::{ChangeUserError, CreateUserError};
use shared::secret::Secret;
use shared::ApiError;

/// The body of `POST /auth/signup` and `POST /users`.
#[derive(Debug, Deserialize)]
pub struct NewUserBody {
    username: String,
    password: Secret,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    full_name: Option<String>,
    /// Read only where the caller may choose a role (admins); ignored elsewhere.
    #[serde(default)]
    role: Option<Value>,
}

/// A new user's fields, each parsed.
#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub password: Secret,
    pub email: Option<Email>,
    pub full_name: Option<FullName>,
    pub role: Role,
}

impl NewUser {
    /// The user to store: a fresh id, the password hashed, timestamps now.
    pub async fn into_record(self) -> Result<shared::repo::users::UserRecord, ApiError> {
        let now = shared::clock::Now::read().rfc3339();
        Ok(shared::repo::users::UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            username: self.username.as_str().to_owned(),
            email: self.email.map(|e| e.as_str().to_owned()),
            full_name: self.full_name.map(|n| n.as_str().to_owned()),
            role: self.role,
            password_hash: password::hash(self.password).await?,
            created_at: now.clone(),
            updated_at: now,
        })
    }
}

/// Collects field errors so a client learns every problem at once.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.0.push(FieldError::new(field, message))).ok()
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// Parses an optional role value: a string `admin` or `user`.
pub fn parse_role(value: &Value) -> Result<Role, String> {
    value.as_str().ok_or_else(|| "must be \"admin\" or \"user\"".to_owned())?.parse()
}

impl NewUserBody {
    /// Parses every field; `role` only when `role_allowed`, else the role is `user`.
    pub fn parse(self, role_allowed: bool) -> Result<NewUser, ApiError> {
        let mut problems = Problems::default();
        let username = problems.check("username", Username::parse(&self.username));
        let policy = password::check_policy(self.password.expose(), &self.username);
        problems.check("password", policy);
        let email = self.email.as_deref().map(|e| problems.check("email", Email::parse(e)));
        let full_name = self.full_name.as_deref().map(|n| problems.check("full_name", FullName::parse(n)));
        let role = match (&self.role, role_allowed) {
            (Some(value), true) if !value.is_null() => problems.check("role", parse_role(value)),
            _ => Some(Role::User),
        };
        problems.into_result()?;
        // Every `None` below was recorded as a problem above.
        let missing = || ApiError::internal("validated field missing");
        Ok(NewUser {
            username: username.ok_or_else(missing)?,
            password: self.password,
            email: email.map(|e| e.ok_or_else(missing)).transpose()?,
            full_name: full_name.map(|n| n.ok_or_else(missing)).transpose()?,
            role: role.ok_or_else(missing)?,
        })
    }
}

pub mod create;
pub mod delete;
pub mod end_sessions;
pub mod get;
pub mod list;
pub mod profile;
pub mod sessions;
pub mod update;

/// `Some(None)` for an explicit `null`, `None` for an absent field.
fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The body of `PUT /users/{id}`. Anything else in the body is ignored.
#[derive(Debug, Deserialize)]
pub struct UpdateUserBody {
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub full_name: Option<Option<String>>,
    #[serde(default)]
    pub role: Option<Value>,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default)]
    pub current_password: Option<Secret>,
}

/// Stores a new user; 409 `CONFLICT` if the username is taken.
pub async fn create_user(
    users: &shared::repo::users::UsersRepo,
    user: &shared::repo::users::UserRecord,
) -> Result<(), ApiError> {
    users.create(user).await.map_err(|err| match err {
        CreateUserError::UsernameTaken => ApiError::Conflict(format!("username {:?} is already taken", user.username)),
        CreateUserError::Contended => {
            ApiError::Conflict(format!("username {:?} is being created concurrently", user.username))
        }
        CreateUserError::Store(err) => err.into(),
    })
}

/// A refused change or deletion of a user, as the client hears it: 409 `CONFLICT`.
pub fn change_refused(err: ChangeUserError) -> ApiError {
    match err {
        ChangeUserError::LastAdmin => ApiError::Conflict("the last admin cannot be demoted or deleted".into()),
        ChangeUserError::ChangedConcurrently => {
            ApiError::Conflict("the user was changed or deleted concurrently; reload and retry".into())
        }
        ChangeUserError::Store(err) => err.into(),
    }
}

/// Revokes every session of a user (deletion, a password change, an admin
/// ending them all): the revocation marker, kept as long as any token it
/// concerns could live (`REFRESH_TOKEN_TTL_SECONDS`).
#[derive(Clone)]
pub struct SessionRevoker {
    auth: shared::repo::auth::AuthRepo,
    keep_secs: i64,
}

impl SessionRevoker {
    pub async fn init(ctx: &shared::InitContext) -> Result<Self, shared::config::ConfigError> {
        Ok(Self { auth: ctx.auth_repo().await?, keep_secs: shared::token::refresh_ttl_secs(ctx.env())? })
    }

    /// The revocation as an item of the transaction that makes the change.
    pub fn item(
        &self,
        user_id: &str,
        now: shared::clock::Now,
    ) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, ApiError> {
        Ok(self.auth.revoke_user_item(user_id, now, now.unix() + self.keep_secs)?)
    }

    /// The revocation on its own.
    pub async fn revoke(&self, user_id: &str, now: shared::clock::Now) -> Result<(), ApiError> {
        Ok(self.auth.revoke_user_sessions(user_id, now, now.unix() + self.keep_secs).await?)
    }
}

/// What the admin routes that end an account's access hold: the users, the
/// revocation of their sessions, and the audit trail that records it.
pub struct AccountControl {
    pub users: shared::repo::users::UsersRepo,
    pub revoker: SessionRevoker,
    pub audit: shared::repo::audit::AuditRepo,
}

impl AccountControl {
    pub async fn init(ctx: &shared::InitContext) -> Result<Self, shared::config::ConfigError> {
        Ok(Self {
            users: ctx.users_repo().await?,
            revoker: SessionRevoker::init(ctx).await?,
            audit: ctx.audit_repo().await?,
        })
    }
}

/// A user by id, or 404. An id that cannot be one (too long for a DynamoDB
/// key, odd characters) is simply not found, without asking DynamoDB.
pub async fn existing_user(
    users: &shared::repo::users::UsersRepo,
    id: &str,
) -> Result<shared::repo::users::UserRecord, ApiError> {
    let not_found = || ApiError::NotFound("no such user".into());
    let id = shared::domain::ItemId::parse_str(id).map_err(|_| not_found())?;
    users.get(id.as_str()).await?.ok_or_else(not_found)
}
