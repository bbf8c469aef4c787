//! Sessions a user can see and end (issue 11, item 4): `GET /auth/sessions`,
//! `DELETE /auth/sessions/{id}`, `DELETE /auth/sessions` (everywhere else),
//! and for admins `GET`/`DELETE /users/{id}/sessions`.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::{json, Value};
use shared::domain::Role;

use crate::helpers::{spawn_app_with, test_options, Session, TestApp};

/// Revocation at once (no authorizer cache), so a test sees its effect.
async fn app() -> TestApp {
    let mut options = test_options();
    options.parameters = vec![("AuthorizerCacheTtlSeconds".into(), "0".into())];
    spawn_app_with(options).await
}

/// Logs in with a given User-Agent, from a given local address.
async fn login_from(app: &TestApp, username: &str, user_agent: &str, ip: Ipv4Addr) -> Session {
    let client = reqwest::Client::builder().local_address(IpAddr::V4(ip)).build().expect("client");
    let body = json!({"username": username, "password": format!("{username}-secret-pass")});
    let res = app.send(client.post(app.url("/auth/login")).header("user-agent", user_agent).json(&body)).await;
    let data = res.assert_ok(200);
    Session {
        user_id: data["user"]["id"].as_str().expect("id").to_owned(),
        access: data["access_token"].as_str().expect("access").to_owned(),
        refresh: data["refresh_token"].as_str().expect("refresh").to_owned(),
    }
}

fn sid(app: &TestApp, session: &Session) -> String {
    app.tokens().verify_access(&session.access).expect("valid").sid
}

async fn sessions(app: &TestApp, session: &Session) -> Vec<Value> {
    let res = app.get("/auth/sessions", Some(&session.access)).await;
    res.assert_ok(200)["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_user_sees_their_live_sessions_where_they_began_and_which_is_current() {
    let app = app().await;
    app.create_user("traveller", "traveller-secret-pass", Role::User).await;
    let laptop = login_from(&app, "traveller", "Firefox/128.0 (laptop)", Ipv4Addr::new(127, 0, 0, 1)).await;
    let phone = login_from(&app, "traveller", "Safari/17 (phone) — émoji ✓", Ipv4Addr::new(127, 0, 0, 5)).await;
    let stranger = app.user_session("stranger", Role::User).await;

    let listed = sessions(&app, &laptop).await;

    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["id"], sid(&app, &phone), "newest first");
    assert_eq!(listed[0]["user_agent"], "Safari/17 (phone) — émoji ✓");
    assert_eq!(listed[0]["source_ip"], "127.0.0.5");
    assert_eq!(listed[0]["current"], false);
    assert_eq!(listed[1]["id"], sid(&app, &laptop));
    assert_eq!(listed[1]["source_ip"], "127.0.0.1");
    assert_eq!(listed[1]["current"], true);
    for session in &listed {
        for field in ["created_at", "last_used_at", "expires_at"] {
            assert_eq!(session[field].as_str().map(str::len), Some(24), "{field} in {session}");
        }
        assert_ne!(session["id"], sid(&app, &stranger));
    }
}

#[tokio::test]
async fn ending_a_session_stops_its_tokens_and_only_its_owner_or_an_admin_may() {
    let app = app().await;
    let laptop = app.user_session("owner", Role::User).await;
    let phone = app.session("owner", "owner-secret-pass").await;
    let other = app.user_session("other", Role::User).await;
    let phone_sid = sid(&app, &phone);

    app.delete(&format!("/auth/sessions/{phone_sid}"), Some(&other.access)).await.assert_error(404, "NOT_FOUND");
    app.delete("/auth/sessions/not-a-session", Some(&laptop.access)).await.assert_error(404, "NOT_FOUND");
    let res = app.delete(&format!("/auth/sessions/{phone_sid}"), Some(&laptop.access)).await;
    assert_eq!(res.assert_ok(200)["ended"], true);
    app.delete(&format!("/auth/sessions/{phone_sid}"), Some(&laptop.access)).await.assert_ok(200); // idempotent

    app.get("/users/profile", Some(&phone.access)).await.assert_error(401, "UNAUTHORIZED");
    app.refresh(&phone.refresh).await.assert_error(401, "UNAUTHORIZED");
    let listed = sessions(&app, &laptop).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["current"], true);
    app.get("/users/profile", Some(&laptop.access)).await.assert_ok(200);
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_only_the_current_session() {
    let app = app().await;
    let here = app.user_session("busy", Role::User).await;
    let mut elsewhere = Vec::new();
    for _ in 0..3 {
        elsewhere.push(app.session("busy", "busy-secret-pass").await);
    }

    let res = app.delete("/auth/sessions", Some(&here.access)).await;

    assert_eq!(res.assert_ok(200)["ended"], 3);
    for session in &elsewhere {
        app.get("/users/profile", Some(&session.access)).await.assert_error(401, "UNAUTHORIZED");
        app.refresh(&session.refresh).await.assert_error(401, "UNAUTHORIZED");
    }
    let listed = sessions(&app, &here).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], sid(&app, &here));
    app.refresh(&here.refresh).await.assert_ok(200);
}

#[tokio::test]
async fn last_used_moves_when_the_session_is_refreshed() {
    let app = app().await;
    let session = app.user_session("regular", Role::User).await;
    let before = sessions(&app, &session).await[0].clone();
    assert_eq!(before["last_used_at"], before["created_at"]);

    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let access = app.refresh(&session.refresh).await.assert_ok(200)["access_token"].as_str().expect("t").to_owned();

    let after = app.get("/auth/sessions", Some(&access)).await.assert_ok(200)["items"][0].clone();
    assert_eq!(after["id"], before["id"], "the same session");
    assert!(after["last_used_at"].as_str() > before["last_used_at"].as_str(), "{before} → {after}");
}

#[tokio::test]
async fn admins_list_and_end_a_users_sessions() {
    let app = app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let user = app.user_session("watched", Role::User).await;
    let second = app.session("watched", "watched-secret-pass").await;
    let path = format!("/users/{}/sessions", user.user_id);

    app.get(&path, Some(&user.access)).await.assert_error(403, "FORBIDDEN");
    app.delete(&path, Some(&user.access)).await.assert_error(403, "FORBIDDEN");
    let listed = app.get(&path, Some(&admin.access)).await;
    assert_eq!(listed.assert_ok(200)["items"].as_array().expect("items").len(), 2);
    app.get("/users/nobody/sessions", Some(&admin.access)).await.assert_error(404, "NOT_FOUND");

    // One session by id...
    app.delete(&format!("/auth/sessions/{}", sid(&app, &second)), Some(&admin.access)).await.assert_ok(200);
    app.get("/users/profile", Some(&second.access)).await.assert_error(401, "UNAUTHORIZED");
    app.get("/users/profile", Some(&user.access)).await.assert_ok(200);
    // ...or all of them.
    let res = app.delete(&path, Some(&admin.access)).await;
    assert_eq!(res.assert_ok(200)["sessions_ended"], true);
    app.get("/users/profile", Some(&user.access)).await.assert_error(401, "UNAUTHORIZED");
    app.refresh(&user.refresh).await.assert_error(401, "UNAUTHORIZED");
    let listed = app.get(&path, Some(&admin.access)).await;
    assert!(listed.assert_ok(200)["items"].as_array().expect("items").is_empty());
    app.session("watched", "watched-secret-pass").await; // a new login works
}
