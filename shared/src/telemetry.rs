//! Tracing setup: JSON lines on Lambda (CloudWatch-friendly, the request id comes
//! from the runtime's span), readable lines locally. `RUST_LOG` overrides levels.

use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,aws_smithy_runtime=warn,aws_sdk_dynamodb=warn"))
}

/// JSON logs for Lambda. Safe to call more than once.
pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter())
        .with_current_span(true)
        .with_span_list(true)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Human-readable logs for the local gateway and tests. Safe to call more than once.
pub fn init_pretty() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_target(false)
        .with_writer(std::io::stderr)
        .compact()
        .try_init();
}

/// Displays an error with its whole `source()` chain, for logs.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
