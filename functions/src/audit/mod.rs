//! The audit trail as the functions write and read it.
//!
//! A change that is one transaction with the user record (a password or role
//! change, a deletion) carries its event in that transaction: both happen or
//! neither. Every other event is appended right after what it records; should
//! that append fail, the action stands and its answer is sent, and the whole
//! event goes to the error log (`audit append failed`), from which an alarm
//! and a replay can pick it up — a missing entry is never silent.

pub mod list;

use shared::access::Caller;
use shared::http::ClientInfo;
use shared::repo::audit::{AuditEvent, AuditRepo};
use shared::telemetry::ErrorChain;

/// Appends `event`, logging it in full if the append fails.
pub async fn record(audit: &AuditRepo, event: AuditEvent) {
    if let Err(error) = audit.append(&event).await {
        let event = serde_json::to_string(&event).unwrap_or_default();
        tracing::error!(error = %ErrorChain(&error), %event, "audit append failed");
    }
}

/// An event done by `caller`, from where the request came.
pub fn by(event: AuditEvent, caller: &Caller, client: &ClientInfo) -> AuditEvent {
    from(event.actor(&caller.user_id, &caller.username).session(&caller.session_id), client)
}

/// `event` with the request's origin.
pub fn from(event: AuditEvent, client: &ClientInfo) -> AuditEvent {
    event.origin(client.source_ip.as_deref(), client.user_agent.as_deref())
}
