//! Metrics and logs: what an operator sees.

use std::process::Stdio;

use serde_json::json;
use shared::domain::Role;
use tokio::io::AsyncReadExt;

use crate::helpers::{shared_dynamodb, spawn_app};

#[tokio::test]
async fn the_gateway_serves_prometheus_metrics_per_function() {
    let app = spawn_app().await;
    app.create_user("olga", "olga-password-1", Role::User).await;

    app.get("/health", None).await.assert_ok(200);
    app.login("olga", "wrong password").await.assert_error(401, "UNAUTHORIZED");
    app.login("olga", "olga-password-1").await.assert_ok(200);
    app.get("/nowhere", None).await.assert_error(404, "NOT_FOUND");

    let res = app.http.get(app.url("/metrics")).send().await.expect("metrics");
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().expect("ascii").starts_with("text/plain"));
    let text = res.text().await.expect("text");
    for line in [
        r#"shop_requests_total{function="health",status="200",code="NONE"} 1"#,
        r#"shop_requests_total{function="auth-login",status="401",code="UNAUTHORIZED"} 1"#,
        r#"shop_requests_total{function="auth-login",status="200",code="NONE"} 1"#,
        r#"shop_requests_total{function="gateway",status="404",code="NOT_FOUND"} 1"#,
        r#"shop_request_duration_ms_count{function="auth-login"} 2"#,
        "shop_login_failures_total 1",
        "shop_throttles_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
    }
}

/// Runs the gateway binary with debug logging through a whole session life
/// cycle and checks that no password, token, hash or key reached its logs.
#[tokio::test]
async fn no_secret_token_or_password_is_ever_logged() {
    let secret = "log-test-secret-0123456789-abcdefghijklmnop";
    let port = local_gateway::dynamodb_local::free_port().expect("port");
    let state = std::env::temp_dir().join(format!("gw-logs-{}", uuid::Uuid::new_v4()));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_local-gateway"))
        .arg("--no-web")
        .env("PORT", port.to_string())
        .env("DYNAMODB_ENDPOINT", shared_dynamodb())
        .env("JWT_SECRET", secret)
        .env("LOCAL_STATE_DIR", &state)
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("gateway starts");
    let mut stderr = child.stderr.take().expect("stderr");
    let mut stdout = child.stdout.take().expect("stdout");
    let logs = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out).await;
        text + &out
    });
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..600 {
        if http.get(format!("{base}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let post = |path: &str, body: serde_json::Value, token: Option<String>| {
        let mut request = http.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.expect("answer").json::<serde_json::Value>().await.expect("json") }
    };
    let first_password = "first secret passphrase";
    let second_password = "second secret passphrase";
    let wrong_password = "a wrong guess of a password";

    post("/auth/signup", json!({"username": "logcheck", "password": first_password}), None).await;
    post("/auth/login", json!({"username": "logcheck", "password": wrong_password}), None).await;
    let login = post("/auth/login", json!({"username": "logcheck", "password": first_password}), None).await;
    let access = login["data"]["access_token"].as_str().expect("access").to_owned();
    let refresh = login["data"]["refresh_token"].as_str().expect("refresh").to_owned();
    let user_id = login["data"]["user"]["id"].as_str().expect("id").to_owned();
    let refreshed = post("/auth/refresh", json!({"refresh_token": refresh}), None).await;
    let access2 = refreshed["data"]["access_token"].as_str().expect("access").to_owned();
    let refresh2 = refreshed["data"]["refresh_token"].as_str().expect("refresh").to_owned();
    post("/auth/verify", json!({"token": access2}), None).await;
    let profile = http.get(format!("{base}/users/profile")).bearer_auth(&access2).send().await.expect("profile");
    assert_eq!(profile.status(), 200);
    post("/auth/refresh", json!({"refresh_token": refresh}), None).await; // reuse: the session ends
    let again = post("/auth/login", json!({"username": "logcheck", "password": first_password}), None).await;
    let access3 = again["data"]["access_token"].as_str().expect("access").to_owned();
    let change = json!({"password": second_password, "current_password": first_password});
    let changed = http.put(format!("{base}/users/{user_id}")).bearer_auth(&access3).json(&change).send().await;
    assert_eq!(changed.expect("answer").status(), 200);
    post("/auth/logout", json!({"refresh_token": refresh2}), None).await;
    post("/auth/login", json!({"username": "admin", "password": "admin123"}), None).await;

    let pid = child.id().expect("pid").to_string();
    std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill");
    let _ = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait()).await;
    let logs = logs.await.expect("logs");
    let _ = std::fs::remove_dir_all(state);

    assert!(logs.contains("POST") && logs.contains("/auth/login"), "the run was logged:\n{logs}");
    for (what, needle) in [
        ("JWT secret", secret),
        ("first password", first_password),
        ("second password", second_password),
        ("wrong password", wrong_password),
        ("demo password", "admin123"),
        ("access token", access.as_str()),
        ("rotated access token", access2.as_str()),
        ("second login's access token", access3.as_str()),
        ("refresh token", refresh.as_str()),
        ("rotated refresh token", refresh2.as_str()),
        ("password hash", "$argon2id$"),
    ] {
        assert!(!logs.contains(needle), "the logs contain the {what}");
    }
    // A token's signature alone must not appear either.
    let signature = access.rsplit('.').next().expect("signature");
    assert!(!logs.contains(signature), "the logs contain a token signature");
}
