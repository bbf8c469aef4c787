//! The sessions routes: a signed-in user's live login sessions — where they
//! began, when they were last used, which one is the caller's — and ending
//! them: one (`DELETE /auth/sessions/{id}`), or every other one (`DELETE
//! /auth/sessions`). Admins list and end a user's sessions through
//! `/users/{id}/sessions` (`crate::users`) and may end any one by id.

pub mod end;
pub mod end_others;
pub mod list;

use serde::Serialize;
use shared::clock::Now;
use shared::domain::ItemId;
use shared::repo::sessions::SessionInfo;
use shared::ApiError;

/// A session as the API shows it.
#[derive(Debug, Serialize)]
pub struct SessionView {
    pub id: String,
    pub created_at: String,
    /// The last refresh or authorized request, to within
    /// `LAST_USED_PRECISION_SECS` (5 minutes).
    pub last_used_at: String,
    /// When its refresh token runs out unless it is used again.
    pub expires_at: String,
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
    /// Whether the caller's own access token belongs to it.
    pub current: bool,
}

impl SessionView {
    pub fn of(session: &SessionInfo, caller_session: &str) -> Self {
        Self {
            id: session.id.clone(),
            created_at: Now::at_unix_millis(session.created_at_ms).rfc3339(),
            last_used_at: Now::at_unix_millis(session.last_used_at_ms).rfc3339(),
            expires_at: Now::at_unix(session.expires_at).rfc3339(),
            user_agent: session.user_agent.clone(),
            source_ip: session.source_ip.clone(),
            current: session.id == caller_session,
        }
    }
}

/// The 404 of a session the caller may not see (or that does not exist).
pub fn no_such_session() -> ApiError {
    ApiError::NotFound("no such session".into())
}

/// The `{id}` of a session path; an id that cannot exist is simply not found.
pub fn session_id(raw: &str) -> Result<ItemId, ApiError> {
    ItemId::parse_str(raw).map_err(|_| no_such_session())
}
