//! The audit trail (issue 11, item 6): every security and admin event is
//! appended with who, what, when and from where; admins read and filter it,
//! users read their own security events, and nothing changes an entry.

use serde_json::{json, Value};
use shared::domain::Role;

use crate::helpers::{spawn_app_with, test_options, TestApp};

async fn app() -> TestApp {
    let mut options = test_options();
    options.env_overrides =
        vec![("LOGIN_MAX_FAILURES".into(), "2".into()), ("REFRESH_REUSE_GRACE_SECONDS".into(), "0".into())];
    spawn_app_with(options).await
}

async fn events(app: &TestApp, query: &str, token: &str) -> Vec<Value> {
    let res = app.get(&format!("/audit{query}"), Some(token)).await;
    res.assert_ok(200)["items"].as_array().expect("items").clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().expect("type")).collect()
}

fn find<'a>(events: &'a [Value], kind: &str) -> &'a Value {
    events.iter().find(|e| e["type"] == kind).unwrap_or_else(|| panic!("no {kind} in {:?}", types(events)))
}

#[tokio::test]
async fn security_and_admin_events_are_recorded_with_who_what_when_and_where() {
    let app = app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let signup = json!({"username": "ann", "password": "ann's long passphrase"});
    let ann_id = app.post("/auth/signup", &signup, None).await.assert_ok(201)["id"].as_str().expect("id").to_owned();

    app.login("ann", "wrong one").await.assert_error(401, "UNAUTHORIZED");
    let ann = app.session("ann", "ann's long passphrase").await;
    let rotated = app.refresh(&ann.refresh).await;
    app.refresh(&ann.refresh).await.assert_error(401, "UNAUTHORIZED"); // a replay: reuse
    let ann = app.session("ann", "ann's long passphrase").await;
    let other = app.session("ann", "ann's long passphrase").await;
    let other_sid = app.tokens().verify_access(&other.access).expect("valid").sid;
    app.delete(&format!("/auth/sessions/{other_sid}"), Some(&ann.access)).await.assert_ok(200);
    let change = json!({"password": "ann's newer passphrase", "current_password": "ann's long passphrase"});
    app.put(&format!("/users/{ann_id}"), &change, Some(&ann.access)).await.assert_ok(200);
    app.put(&format!("/users/{ann_id}"), &json!({"role": "admin"}), Some(&admin.access)).await.assert_ok(200);
    let ann = app.session("ann", "ann's newer passphrase").await;
    app.post("/auth/logout", &json!({"refresh_token": ann.refresh}), None).await.assert_ok(200);
    for _ in 0..2 {
        app.login("ann", "wrong again").await.assert_error(401, "UNAUTHORIZED");
        // the second locks
    }
    drop(rotated);

    let about_ann = events(&app, &format!("?user_id={ann_id}&limit=100"), &admin.access).await;
    for kind in [
        "user.created",
        "login.failed",
        "login.succeeded",
        "refresh.reused",
        "session.ended",
        "password.changed",
        "role.changed",
        "logout",
        "login.locked",
    ] {
        let event = find(&about_ann, kind);
        assert_eq!(event["subject"]["id"], ann_id.as_str(), "{event}");
        assert_eq!(event["source_ip"], "127.0.0.1", "{event}");
        assert_eq!(event["at"].as_str().map(str::len), Some(24), "{event}");
    }
    let role = find(&about_ann, "role.changed");
    assert_eq!(role["actor"]["username"], "root");
    assert_eq!((role["details"]["from"].as_str(), role["details"]["to"].as_str()), (Some("user"), Some("admin")));
    assert_eq!(find(&about_ann, "password.changed")["actor"]["id"], ann_id.as_str());
    assert_eq!(find(&about_ann, "login.failed")["actor"], Value::Null, "anonymous");
    assert_eq!(find(&about_ann, "session.ended")["details"]["ended"], json!([other_sid]));
    let ats: Vec<&str> = about_ann.iter().map(|e| e["at"].as_str().expect("at")).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first: {ats:?}");

    // Admin changes to the catalogue and to orders, and deletions.
    let mug = app.create_product(&admin.access, "Audit mug", 500, 5, "kitchen").await;
    app.put(&format!("/products/{mug}"), &json!({"price": 600}), Some(&admin.access)).await.assert_ok(200);
    let buyer = app.user_session("buyer", Role::User).await;
    let order = app.order(&buyer.access, &[(&mug, 1)]).await;
    let order_id = order.assert_ok(201)["id"].as_str().expect("id").to_owned();
    app.put(&format!("/orders/{order_id}"), &json!({"status": "paid"}), Some(&admin.access)).await.assert_ok(200);
    app.put(&format!("/orders/{order_id}"), &json!({"status": "cancelled"}), Some(&buyer.access)).await.assert_ok(200);
    app.delete(&format!("/products/{mug}"), Some(&admin.access)).await.assert_ok(200);
    app.delete(&format!("/users/{}", buyer.user_id), Some(&admin.access)).await.assert_ok(200);

    let by_root = events(&app, &format!("?actor_id={}&limit=100", admin.user_id), &admin.access).await;
    assert_eq!(find(&by_root, "product.updated")["details"]["fields"], json!(["price"]));
    for kind in ["product.created", "product.deleted", "user.deleted", "role.changed"] {
        find(&by_root, kind);
    }
    let status = find(&by_root, "order.status_changed");
    assert_eq!((status["details"]["from"].as_str(), status["details"]["to"].as_str()), (Some("pending"), Some("paid")));
    // The owner's own cancellation is not an admin event.
    let all = events(&app, "?type=order.status_changed", &admin.access).await;
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn admins_filter_by_type_and_time_and_page_through_the_trail() {
    let app = app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let started = shared::clock::Now::read().rfc3339();
    for i in 0..5 {
        app.create_product(&admin.access, &format!("Paged {i}"), 100, 1, "misc").await;
    }
    let ended = shared::clock::Now::read().rfc3339();
    app.create_product(&admin.access, "Later", 100, 1, "misc").await;

    let in_range = format!("?type=product.created&from={started}&to={ended}&limit=2");
    let pages = app.all_pages(&format!("/audit{in_range}"), Some(&admin.access)).await;
    let names: Vec<&str> = pages.iter().flatten().map(|e| e["details"]["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["Paged 4", "Paged 3", "Paged 2", "Paged 1", "Paged 0"]);
    assert!(pages.iter().all(|page| page.len() <= 2));

    let everything = events(&app, "?limit=100", &admin.access).await;
    assert!(types(&everything).contains(&"login.succeeded"));
    // Found by contract fuzzing: a range with one bound only.
    assert!(events(&app, "?to=2000-01-01T00:00:00Z", &admin.access).await.is_empty());
    assert!(!events(&app, "?from=2000-01-01T00:00:00Z", &admin.access).await.is_empty());
    app.get("/audit?type=login", Some(&admin.access)).await.assert_error(422, "VALIDATION_FAILED");
    for bad in ["from=yesterday", "to=", "type="] {
        app.get(&format!("/audit?{bad}"), Some(&admin.access)).await.assert_error(422, "VALIDATION_FAILED");
    }
    let cursor = app.get("/audit?limit=1", Some(&admin.access)).await.assert_ok(200)["next_cursor"].clone();
    let foreign = format!("/audit?type=logout&cursor={}", cursor.as_str().expect("cursor"));
    app.get(&foreign, Some(&admin.access)).await.assert_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn a_user_reads_only_their_own_security_events() {
    let app = app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let ann = app.user_session("ann", Role::User).await;
    let bob = app.user_session("bob", Role::User).await;
    app.login("ann", "a wrong guess").await.assert_error(401, "UNAUTHORIZED");
    let product = app.create_product(&admin.access, "Not for users", 100, 1, "misc").await;
    let order = app.order(&ann.access, &[(&product, 1)]).await;
    let order_id = order.assert_ok(201)["id"].as_str().expect("id").to_owned();
    app.put(&format!("/orders/{order_id}"), &json!({"status": "paid"}), Some(&admin.access)).await.assert_ok(200);

    let own = events(&app, "", &ann.access).await;

    assert!(own.iter().all(|e| e["subject"]["id"] == ann.user_id.as_str()), "{own:?}");
    assert!(types(&own).contains(&"login.failed") && types(&own).contains(&"login.succeeded"));
    assert!(!types(&own).contains(&"order.status_changed"), "admin-only types stay hidden");
    assert_eq!(types(&events(&app, "?type=login.failed", &ann.access).await), ["login.failed"]);
    for query in [
        format!("?user_id={}", bob.user_id),
        format!("?actor_id={}", admin.user_id),
        "?type=product.created".to_owned(),
    ] {
        app.get(&format!("/audit{query}"), Some(&ann.access)).await.assert_error(403, "FORBIDDEN");
    }
    assert!(!events(&app, "", &bob.access).await.iter().any(|e| e["subject"]["id"] == ann.user_id.as_str()));
}

#[tokio::test]
async fn nothing_can_update_or_delete_an_audit_entry() {
    let app = app().await;
    let admin = app.user_session("root", Role::Admin).await;
    let entry = events(&app, "", &admin.access).await[0].clone();
    let id = entry["id"].as_str().expect("id");

    // No route writes the trail...
    for path in ["/audit".to_owned(), format!("/audit/{id}")] {
        app.put(&path, &json!({"type": "logout"}), Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
        app.delete(&path, Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
        app.post(&path, &json!({}), Some(&admin.access)).await.assert_error(404, "NOT_FOUND");
    }
    // ...no function may change or delete an entry (only append)...
    let audit_table = app.table("audit");
    for function in &app.gateway.template.functions {
        for statement in function.policy.iter().filter(|s| s.allow) {
            if statement.resources.iter().any(|r| r.ends_with(&format!("table/{audit_table}"))) {
                for action in &statement.actions {
                    assert!(
                        ["dynamodb:PutItem", "dynamodb:DescribeTable"].contains(&action.as_str()),
                        "{} may {action} on the audit table",
                        function.binary
                    );
                }
            }
        }
    }
    // ...and an append never overwrites an entry.
    let repo = shared::repo::audit::AuditRepo::new(app.gateway.client.clone(), audit_table);
    let event = shared::repo::audit::AuditEvent::new(shared::domain::AuditType::Logout, shared::clock::Now::read());
    repo.append(&event).await.expect("appended");
    assert!(repo.append(&event).await.is_err(), "the same entry twice");
    assert_eq!(events(&app, "?limit=100", &admin.access).await.iter().filter(|e| e["id"] == entry["id"]).count(), 1);
    app.get("/audit", None).await.assert_error(401, "UNAUTHORIZED");
}
