//! Outgoing e-mail. Where mail goes is configuration:
//!
//! - `MAIL_OUTBOX_DIR` (set only by the local gateway): every mail becomes one
//!   `<id>.eml` file in that folder plus a log line; nothing leaves the machine.
//! - otherwise `NOTIFICATIONS_SENDER_EMAIL` (the template parameter
//!   `NotificationsSenderEmail`): the sender address mail would be sent from
//!   through SES; empty means no mail at all.
//!
//! A mail's id is the id of what it is about (a notification), so sending it
//! again — a redelivered stream record — rewrites the same outbox file.

use std::path::PathBuf;

use crate::config::{ConfigError, Env};

pub const OUTBOX_VAR: &str = "MAIL_OUTBOX_DIR";
pub const SENDER_VAR: &str = "NOTIFICATIONS_SENDER_EMAIL";

/// One e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Stable: the same mail sent twice has the same id.
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Where mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mailer {
    /// No sender configured: no mail.
    Disabled,
    /// The local outbox folder.
    Outbox { dir: PathBuf, from: String },
    /// Through SES from this verified sender (see `send`).
    Ses { from: String },
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("could not write to the outbox: {0}")]
    Outbox(#[from] std::io::Error),
}

impl Mailer {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let from = env.get(SENDER_VAR).map(str::to_owned);
        if let Some(from) = &from {
            if !from.contains('@') || from.contains(char::is_whitespace) {
                return Err(ConfigError::Invalid { var: SENDER_VAR, reason: "not an e-mail address".into() });
            }
        }
        Ok(match (env.get(OUTBOX_VAR), from) {
            (Some(dir), from) => Self::Outbox {
                dir: PathBuf::from(dir),
                from: from.unwrap_or_else(|| "notifications@serverless-shop.local".to_owned()),
            },
            (None, Some(from)) => Self::Ses { from },
            (None, None) => Self::Disabled,
        })
    }

    pub fn is_enabled(&self) -> bool {
        !matches!(self, Self::Disabled)
    }

    /// Sends `mail`. Safe to repeat: the outbox file is replaced atomically.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        match self {
            Self::Disabled => Ok(()),
            Self::Outbox { dir, from } => {
                tokio::fs::create_dir_all(dir).await?;
                let path = dir.join(format!("{}.eml", file_name(&mail.id)));
                let partial = dir.join(format!(".{}.eml.partial", file_name(&mail.id)));
                tokio::fs::write(&partial, render(from, mail)).await?;
                tokio::fs::rename(&partial, &path).await?;
                tracing::info!(to = %mail.to, subject = %mail.subject, file = %path.display(), "mail written to the local outbox");
                Ok(())
            }
            Self::Ses { from } => {
                // Not wired to SES yet (README, "Notifications"): logged only.
                tracing::info!(from = %from, to = %mail.to, subject = %mail.subject, "mail (SES sending not enabled in this build)");
                Ok(())
            }
        }
    }
}

/// `mail.id` with anything but `[A-Za-z0-9._-]` replaced, for a file name.
fn file_name(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect()
}

/// The mail as an RFC 5322 message (plain text, UTF-8).
pub fn render(from: &str, mail: &Mail) -> String {
    let strip = |s: &str| s.replace(['\r', '\n'], " ");
    format!(
        "Message-ID: <{}@serverless-shop.local>\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
        file_name(&mail.id),
        strip(from),
        strip(&mail.to),
        strip(&mail.subject),
        mail.body.replace('\n', "\r\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outbox_wins_locally_and_an_empty_sender_means_no_mail() {
        assert_eq!(Mailer::from_env(&Env::default()), Ok(Mailer::Disabled));
        assert_eq!(Mailer::from_env(&Env::from_pairs([(SENDER_VAR, " ")])), Ok(Mailer::Disabled));
        let ses = Mailer::from_env(&Env::from_pairs([(SENDER_VAR, "shop@example.com")]));
        assert_eq!(ses, Ok(Mailer::Ses { from: "shop@example.com".into() }));
        let local = Mailer::from_env(&Env::from_pairs([(OUTBOX_VAR, "/tmp/x"), (SENDER_VAR, "shop@example.com")]));
        assert_eq!(local, Ok(Mailer::Outbox { dir: "/tmp/x".into(), from: "shop@example.com".into() }));
        assert!(Mailer::from_env(&Env::from_pairs([(SENDER_VAR, "nobody")])).is_err());
    }

    #[test]
    fn headers_cannot_be_injected() {
        let mail =
            Mail { id: "a/b".into(), to: "x@y\r\nBcc: z@w".into(), subject: "hi\nthere".into(), body: "b".into() };
        let text = render("s@e", &mail);
        assert!(text.contains("To: x@y  Bcc: z@w\r\n") && text.contains("Subject: hi there\r\n"), "{text}");
        assert!(text.starts_with("Message-ID: <a_b@"), "{text}");
    }
}
