//! The audit trail's vocabulary: what kinds of events are recorded, and which
//! of them a user may see about themselves.

use serde::Serialize;

/// What happened. The names are the API's (`GET /audit?type=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AuditType {
    #[serde(rename = "login.succeeded")]
    LoginSucceeded,
    #[serde(rename = "login.failed")]
    LoginFailed,
    /// Failures reached the maximum: the username is locked for a window.
    #[serde(rename = "login.locked")]
    LoginLocked,
    /// A rotated refresh token was replayed after the grace window: the
    /// session was revoked.
    #[serde(rename = "refresh.reused")]
    RefreshReused,
    #[serde(rename = "logout")]
    Logout,
    /// Sessions ended by their owner or an admin (one, every other, or all).
    #[serde(rename = "session.ended")]
    SessionEnded,
    #[serde(rename = "password.changed")]
    PasswordChanged,
    #[serde(rename = "role.changed")]
    RoleChanged,
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.deleted")]
    UserDeleted,
    #[serde(rename = "product.created")]
    ProductCreated,
    #[serde(rename = "product.updated")]
    ProductUpdated,
    #[serde(rename = "product.deleted")]
    ProductDeleted,
    /// An admin moved an order along the status machine.
    #[serde(rename = "order.status_changed")]
    OrderStatusChanged,
}

impl AuditType {
    pub const ALL: [Self; 14] = [
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::LoginLocked,
        Self::RefreshReused,
        Self::Logout,
        Self::SessionEnded,
        Self::PasswordChanged,
        Self::RoleChanged,
        Self::UserCreated,
        Self::UserDeleted,
        Self::ProductCreated,
        Self::ProductUpdated,
        Self::ProductDeleted,
        Self::OrderStatusChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login.succeeded",
            Self::LoginFailed => "login.failed",
            Self::LoginLocked => "login.locked",
            Self::RefreshReused => "refresh.reused",
            Self::Logout => "logout",
            Self::SessionEnded => "session.ended",
            Self::PasswordChanged => "password.changed",
            Self::RoleChanged => "role.changed",
            Self::UserCreated => "user.created",
            Self::UserDeleted => "user.deleted",
            Self::ProductCreated => "product.created",
            Self::ProductUpdated => "product.updated",
            Self::ProductDeleted => "product.deleted",
            Self::OrderStatusChanged => "order.status_changed",
        }
    }

    /// Events about an account's security, which its owner may read
    /// (`GET /audit` as a user); the rest are for admins only.
    pub fn is_security(self) -> bool {
        !matches!(self, Self::ProductCreated | Self::ProductUpdated | Self::ProductDeleted | Self::OrderStatusChanged)
    }
}

impl std::fmt::Display for AuditType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AuditType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|t| t.as_str()).collect();
            format!("unknown event type {s:?}: expected one of {}", known.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip_through_their_names_and_serde_agrees() {
        for kind in AuditType::ALL {
            assert_eq!(kind.as_str().parse::<AuditType>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).expect("json"), serde_json::json!(kind.as_str()));
        }
        assert!("login".parse::<AuditType>().is_err());
        assert!(AuditType::PasswordChanged.is_security() && !AuditType::ProductUpdated.is_security());
    }
}
