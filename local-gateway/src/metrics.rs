//! Per-route metrics of the local gateway, served as Prometheus text at
//! `GET /metrics`: the same figures each Lambda function emits as EMF.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use shared::metrics::RequestOutcome;

/// Latency histogram bounds, in milliseconds.
const BUCKETS_MS: &[f64] = &[1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0];

#[derive(Default)]
struct Latency {
    buckets: Vec<u64>,
    sum_ms: f64,
    count: u64,
}

#[derive(Default)]
struct State {
    requests: BTreeMap<(String, u16, String), u64>,
    latency: BTreeMap<String, Latency>,
    login_failures: u64,
    throttles: u64,
}

#[derive(Default)]
pub struct Metrics {
    state: Mutex<State>,
}

impl Metrics {
    pub fn record(&self, outcome: &RequestOutcome<'_>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let key = (outcome.function.to_owned(), outcome.status, outcome.error_code.unwrap_or("NONE").to_owned());
        *state.requests.entry(key).or_default() += 1;
        let ms = outcome.latency.as_secs_f64() * 1000.0;
        let latency = state.latency.entry(outcome.function.to_owned()).or_default();
        if latency.buckets.is_empty() {
            latency.buckets = vec![0; BUCKETS_MS.len()];
        }
        for (bucket, bound) in latency.buckets.iter_mut().zip(BUCKETS_MS) {
            if ms <= *bound {
                *bucket += 1;
            }
        }
        latency.sum_ms += ms;
        latency.count += 1;
        state.login_failures += u64::from(outcome.is_login_failure());
        state.throttles += u64::from(outcome.is_throttled());
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        let _ = writeln!(out, "# HELP shop_requests_total Requests by function, status and error code.");
        let _ = writeln!(out, "# TYPE shop_requests_total counter");
        for ((function, status, code), count) in &state.requests {
            let _ = writeln!(
                out,
                "shop_requests_total{{function=\"{function}\",status=\"{status}\",code=\"{code}\"}} {count}"
            );
        }
        let _ = writeln!(out, "# HELP shop_request_duration_ms Request latency by function, in milliseconds.");
        let _ = writeln!(out, "# TYPE shop_request_duration_ms histogram");
        for (function, latency) in &state.latency {
            for (bucket, bound) in latency.buckets.iter().zip(BUCKETS_MS) {
                let _ =
                    writeln!(out, "shop_request_duration_ms_bucket{{function=\"{function}\",le=\"{bound}\"}} {bucket}");
            }
            let _ = writeln!(
                out,
                "shop_request_duration_ms_bucket{{function=\"{function}\",le=\"+Inf\"}} {}",
                latency.count
            );
            let _ = writeln!(out, "shop_request_duration_ms_sum{{function=\"{function}\"}} {:.3}", latency.sum_ms);
            let _ = writeln!(out, "shop_request_duration_ms_count{{function=\"{function}\"}} {}", latency.count);
        }
        let _ = writeln!(out, "# HELP shop_login_failures_total Refused logins.");
        let _ = writeln!(out, "# TYPE shop_login_failures_total counter");
        let _ = writeln!(out, "shop_login_failures_total {}", state.login_failures);
        let _ = writeln!(out, "# HELP shop_throttles_total Requests answered 429 RATE_LIMITED.");
        let _ = writeln!(out, "# TYPE shop_throttles_total counter");
        let _ = writeln!(out, "shop_throttles_total {}", state.throttles);
        out
    }
}
