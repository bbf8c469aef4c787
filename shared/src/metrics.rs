//! Per-request metrics. On Lambda each invocation prints one CloudWatch Embedded
//! Metric Format (EMF) line, which CloudWatch turns into metrics without any API
//! call; the local gateway keeps the same figures as Prometheus counters.

use std::time::Duration;

use serde_json::json;

/// The namespace of every metric.
pub const NAMESPACE: &str = "ServerlessShop";

/// What one request contributes to the metrics.
#[derive(Debug, Clone, Copy)]
pub struct RequestOutcome<'a> {
    pub function: &'a str,
    pub status: u16,
    /// The envelope's error code, `None` on success.
    pub error_code: Option<&'a str>,
    pub latency: Duration,
}

impl RequestOutcome<'_> {
    /// A failed login: the login function refusing credentials.
    pub fn is_login_failure(&self) -> bool {
        self.function == "auth-login" && self.error_code == Some("UNAUTHORIZED")
    }

    pub fn is_throttled(&self) -> bool {
        self.error_code == Some("RATE_LIMITED")
    }

    /// The EMF document for this request: `Requests`, `Errors`, `LoginFailures`,
    /// `Throttles` (counts) and `Latency` (ms), by `Function` and by
    /// `Function` + `ErrorCode`.
    pub fn emf(&self, timestamp_ms: i64) -> serde_json::Value {
        json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Function"], ["Function", "ErrorCode"]],
                    "Metrics": [
                        {"Name": "Requests", "Unit": "Count"},
                        {"Name": "Errors", "Unit": "Count"},
                        {"Name": "LoginFailures", "Unit": "Count"},
                        {"Name": "Throttles", "Unit": "Count"},
                        {"Name": "Latency", "Unit": "Milliseconds"}
                    ]
                }]
            },
            "Function": self.function,
            "ErrorCode": self.error_code.unwrap_or("NONE"),
            "StatusCode": self.status,
            "Requests": 1,
            "Errors": u8::from(self.error_code.is_some()),
            "LoginFailures": u8::from(self.is_login_failure()),
            "Throttles": u8::from(self.is_throttled()),
            "Latency": (self.latency.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_documents_declare_every_metric_they_carry() {
        let outcome = RequestOutcome {
            function: "auth-login",
            status: 401,
            error_code: Some("UNAUTHORIZED"),
            latency: Duration::from_micros(12_345),
        };
        let doc = outcome.emf(1_700_000_000_000);
        let declared = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(declared["Namespace"], NAMESPACE);
        for metric in declared["Metrics"].as_array().expect("metrics") {
            let name = metric["Name"].as_str().expect("name");
            assert!(doc[name].is_number(), "{name} declared but missing");
        }
        for dimension in declared["Dimensions"][1].as_array().expect("dimensions") {
            assert!(doc[dimension.as_str().expect("name")].is_string());
        }
        assert_eq!(
            (doc["Errors"].as_u64(), doc["LoginFailures"].as_u64(), doc["Throttles"].as_u64()),
            (Some(1), Some(1), Some(0))
        );
        assert_eq!(doc["Latency"], 12.345);
    }

    #[test]
    fn successes_have_no_error_code() {
        let outcome = RequestOutcome { function: "health", status: 200, error_code: None, latency: Duration::ZERO };
        let doc = outcome.emf(0);
        assert_eq!((doc["ErrorCode"].as_str(), doc["Errors"].as_u64()), (Some("NONE"), Some(0)));
    }
}
