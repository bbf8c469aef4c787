//! Outgoing e-mail. Where mail goes is configuration:
//!
//! - `MAIL_OUTBOX_DIR` (set only by the local gateway): every mail becomes one
//!   `<id>.eml` file in that folder plus a log line; nothing leaves the machine.
//! - otherwise `NOTIFICATIONS_SENDER_EMAIL` (the template parameter
//!   `NotificationsSenderEmail`): mail is sent through SES (API v2,
//!   `SendEmail`) from that verified address; empty means no mail at all.
//!   `SES_ENDPOINT` points the client elsewhere (LocalStack, a test double).
//!
//! A mail's id is the id of what it is about (a notification), so sending it
//! again — a redelivered stream record — rewrites the same outbox file. SES
//! has no idempotency key: the caller records what it mailed
//! (`NotificationsRepo::mark_emailed`) and a redelivery mails only what was
//! not recorded, so a mail is repeated only if the function dies between
//! SES's answer and that record.

use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_sesv2::config::retry::RetryConfig;
use aws_sdk_sesv2::config::timeout::TimeoutConfig;
use aws_sdk_sesv2::config::BehaviorVersion;
use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::config::{ConfigError, Env};
use crate::db::Identity;

pub const OUTBOX_VAR: &str = "MAIL_OUTBOX_DIR";
pub const SENDER_VAR: &str = "NOTIFICATIONS_SENDER_EMAIL";
pub const SES_ENDPOINT_VAR: &str = "SES_ENDPOINT";

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
#[derive(Debug, Clone)]
pub enum Mailer {
    /// No sender configured: no mail.
    Disabled,
    /// The local outbox folder.
    Outbox { dir: PathBuf, from: String },
    /// Through SES from this verified sender.
    Ses { from: String, client: aws_sdk_sesv2::Client },
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("could not write to the outbox: {0}")]
    Outbox(#[from] std::io::Error),
    /// SES refused this mail for good (a bad or suppressed address, an
    /// unverified recipient in the SES sandbox, ...): sending it again
    /// cannot help.
    #[error("SES refused the mail: {0}")]
    Rejected(String),
    /// Throttled, a server error or no answer: worth retrying.
    #[error("SES is unavailable: {0}")]
    Unavailable(String),
}

/// How long a send may take: the consumer's batch waits for it.
const SES_CONNECT_TIMEOUT: Duration = Duration::from_millis(1_000);
const SES_OPERATION_TIMEOUT: Duration = Duration::from_secs(5);

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
            (None, Some(from)) => Self::Ses { from, client: ses_client(env)? },
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
            Self::Ses { from, client } => {
                let text = |data: &str| Content::builder().data(data).charset("UTF-8").build();
                let message = Message::builder()
                    .subject(text(&mail.subject).map_err(|e| MailError::Rejected(e.to_string()))?)
                    .body(
                        Body::builder().text(text(&mail.body).map_err(|e| MailError::Rejected(e.to_string()))?).build(),
                    )
                    .build();
                let sent = client
                    .send_email()
                    .from_email_address(from)
                    .destination(Destination::builder().to_addresses(&mail.to).build())
                    .content(EmailContent::builder().simple(message).build())
                    .send()
                    .await;
                match sent {
                    Ok(out) => {
                        tracing::info!(to = %mail.to, subject = %mail.subject, message_id = ?out.message_id(), "mail sent through SES");
                        Ok(())
                    }
                    Err(SdkError::ServiceError(failure)) => {
                        let status = failure.raw().status().as_u16();
                        let reason = failure.err().to_string();
                        if status == 429 || status >= 500 {
                            Err(MailError::Unavailable(reason))
                        } else {
                            Err(MailError::Rejected(reason))
                        }
                    }
                    Err(other) => Err(MailError::Unavailable(other.to_string())),
                }
            }
        }
    }
}

/// The SES client: the function's own region and credentials, short
/// timeouts, and `SES_ENDPOINT` when set.
fn ses_client(env: &Env) -> Result<aws_sdk_sesv2::Client, ConfigError> {
    let endpoint = env.get(SES_ENDPOINT_VAR);
    let Identity { region, credentials } = Identity::from_env(env, endpoint.is_some())?;
    let mut config = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(credentials)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(SES_CONNECT_TIMEOUT)
                .operation_timeout(SES_OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2));
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint);
    }
    Ok(aws_sdk_sesv2::Client::from_conf(config.build()))
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

    const KEYS: [(&str, &str); 2] = [("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret")];

    fn env(pairs: &[(&'static str, &str)]) -> Env {
        Env::from_pairs(KEYS.iter().chain(pairs).map(|(k, v)| (*k, (*v).to_owned())))
    }

    #[test]
    fn the_outbox_wins_locally_and_an_empty_sender_means_no_mail() {
        assert!(matches!(Mailer::from_env(&Env::default()), Ok(Mailer::Disabled)));
        assert!(matches!(Mailer::from_env(&env(&[(SENDER_VAR, " ")])), Ok(Mailer::Disabled)));
        let ses = Mailer::from_env(&env(&[(SENDER_VAR, "shop@example.com")]));
        assert!(matches!(ses, Ok(Mailer::Ses { ref from, .. }) if from == "shop@example.com"), "{ses:?}");
        let local = Mailer::from_env(&env(&[(OUTBOX_VAR, "/tmp/x"), (SENDER_VAR, "shop@example.com")]));
        assert!(
            matches!(&local, Ok(Mailer::Outbox { dir, from }) if dir.to_str() == Some("/tmp/x") && from == "shop@example.com"),
            "{local:?}"
        );
        assert!(Mailer::from_env(&env(&[(SENDER_VAR, "nobody")])).is_err());
        // SES needs the function's credentials (no placeholder outside a local endpoint)
        let keyless = Mailer::from_env(&Env::from_pairs([(SENDER_VAR, "shop@example.com")]));
        assert_eq!(keyless.err(), Some(ConfigError::Missing("AWS_ACCESS_KEY_ID")));
    }

    /// A stand-in for SES's endpoint: answers each request with the next
    /// `(status, error type, body)` and hands back what it received (head, body).
    async fn fake_ses(
        answers: Vec<(u16, &'static str, &'static str)>,
    ) -> (String, tokio::task::JoinHandle<Vec<(String, String)>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let mut seen = Vec::new();
            for (status, error_type, body) in answers {
                let (mut socket, _) = listener.accept().await.expect("accept");
                let mut bytes = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, content) = loop {
                    let n = socket.read(&mut chunk).await.expect("read");
                    bytes.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                            })
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        if bytes.len() >= end + 4 + length || n == 0 {
                            break (text[..end].to_owned(), text[end + 4..].to_owned());
                        }
                    }
                    assert!(n > 0, "connection closed early");
                };
                let error_header =
                    if error_type.is_empty() { String::new() } else { format!("x-amzn-errortype: {error_type}\r\n") };
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{error_header}content-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                socket.write_all(reply.as_bytes()).await.expect("write");
                seen.push((head, content));
            }
            seen
        });
        (url, task)
    }

    fn mail() -> Mail {
        Mail {
            id: "n1".into(),
            to: "ana@example.com".into(),
            subject: "Order placed".into(),
            body: "Your order…".into(),
        }
    }

    #[tokio::test]
    async fn a_mail_goes_to_ses_signed_from_the_configured_sender() {
        let (url, seen) = fake_ses(vec![(200, "", r#"{"MessageId":"m-1"}"#)]).await;
        let mailer =
            Mailer::from_env(&env(&[(SENDER_VAR, "shop@example.com"), (SES_ENDPOINT_VAR, &url)])).expect("mailer");
        mailer.send(&mail()).await.expect("sent");
        let seen = seen.await.expect("server");
        let (head, body) = &seen[0];
        assert!(head.starts_with("POST /v2/email/outbound-emails "), "{head}");
        assert!(
            head.contains("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") && head.contains("/ses/aws4_request"),
            "{head}"
        );
        let body: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(body["FromEmailAddress"], "shop@example.com");
        assert_eq!(body["Destination"]["ToAddresses"], serde_json::json!(["ana@example.com"]));
        assert_eq!(body["Content"]["Simple"]["Subject"]["Data"], "Order placed");
        assert_eq!(body["Content"]["Simple"]["Body"]["Text"]["Data"], "Your order…");
        assert_eq!(body["Content"]["Simple"]["Body"]["Text"]["Charset"], "UTF-8");
    }

    #[tokio::test]
    async fn a_refused_mail_is_final_and_a_throttled_one_is_retried() {
        let refused = r#"{"message":"Email address is not verified."}"#;
        let (url, seen) = fake_ses(vec![(400, "MessageRejected", refused)]).await;
        let mailer =
            Mailer::from_env(&env(&[(SENDER_VAR, "shop@example.com"), (SES_ENDPOINT_VAR, &url)])).expect("mailer");
        let error = mailer.send(&mail()).await.expect_err("refused");
        assert!(matches!(error, MailError::Rejected(_)), "{error:?}");
        assert_eq!(seen.await.expect("server").len(), 1, "a refusal is not retried");

        // throttled twice: the client's own retry, then the caller's (the record is retried)
        let slow_down = r#"{"message":"Maximum sending rate exceeded."}"#;
        let (url, seen) =
            fake_ses(vec![(429, "TooManyRequestsException", slow_down), (429, "TooManyRequestsException", slow_down)])
                .await;
        let mailer =
            Mailer::from_env(&env(&[(SENDER_VAR, "shop@example.com"), (SES_ENDPOINT_VAR, &url)])).expect("mailer");
        let error = mailer.send(&mail()).await.expect_err("throttled");
        assert!(matches!(error, MailError::Unavailable(_)), "{error:?}");
        let seen = tokio::time::timeout(Duration::from_secs(10), seen).await.expect("SES's own retry happened");
        assert_eq!(seen.expect("server").len(), 2);
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
