//! Demo data for local runs: three accounts and a small catalogue. Seeding is
//! idempotent (existing names are left alone) and exists only here, in the local
//! gateway — a deployed stack never gets these accounts.

use shared::clock::Now;
use shared::domain::Role;
use shared::password;
use shared::repo::users::UserRecord;
use shared::{ApiError, InitContext};

/// The demo accounts. Fixed demo data, so they may break the password policy.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] =
    &[("admin", "admin123", Role::Admin), ("user1", "password1", Role::User), ("maxim", "maxim", Role::User)];

pub async fn seed(ctx: &InitContext) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let users = ctx.users_repo().await?;
    let mut created = Vec::new();
    for (username, pass, role) in DEMO_ACCOUNTS {
        if users.get_by_username(username).await?.is_some() {
            continue;
        }
        let now = Now::read().rfc3339();
        let user = UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            username: (*username).to_owned(),
            email: Some(format!("{username}@example.com")),
            full_name: None,
            role: *role,
            password_hash: password::hash(shared::secret::Secret::new(*pass)).await?,
            created_at: now.clone(),
            updated_at: now,
        };
        match users.create(&user).await {
            Ok(()) => created.push(*username),
            Err(ApiError::Conflict(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    if !created.is_empty() {
        tracing::info!(accounts = ?created, "seeded demo accounts");
    }
    Ok(())
}
