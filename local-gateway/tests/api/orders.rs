use futures::future::join_all;
use serde_json::{json, Value};
use shared::domain::Role;

use crate::helpers::{detail_fields, order_body, shop, spawn_app, Shop};

#[tokio::test]
async fn an_order_snapshots_prices_computes_the_total_and_takes_stock() {
    let shop = shop().await;
    let Shop { app, admin, ann, lamp, desk } = &shop;

    let res = app.order(&ann.access, &[(lamp, 2), (desk, 1)]).await;

    let order = res.assert_ok(201).clone();
    assert!(res.headers.get("idempotent-replayed").is_none());
    shop.assert_two_lamps_and_a_desk(&order, &ann.user_id);
    assert_eq!((app.stock_of(lamp).await, app.stock_of(desk).await), (8, 2));

    // The order keeps its prices when the catalogue changes.
    app.put(&format!("/products/{lamp}"), &json!({"price": 9_999, "name": "Fancy Lamp"}), Some(&admin.access))
        .await
        .assert_ok(200);
    let id = order["id"].as_str().expect("id");
    let fetched = app.get(&format!("/orders/{id}"), Some(&ann.access)).await;
    let mut fetched = fetched.assert_ok(200).clone();
    let history = fetched.as_object_mut().expect("object").remove("history").expect("a timeline");
    assert_eq!(&fetched, &order);
    assert_eq!(
        history,
        json!([{"order_id": id, "from": null, "to": "pending", "by": ann.user_id, "at": order["created_at"]}])
    );
}

#[tokio::test]
async fn only_the_owner_or_an_admin_sees_an_order() {
    let Shop { app, admin, ann, lamp, .. } = shop().await;
    let bob = app.user_session("bob", Role::User).await;
    let id = app.order(&ann.access, &[(&lamp, 1)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();

    app.get(&format!("/orders/{id}"), Some(&ann.access)).await.assert_ok(200);
    app.get(&format!("/orders/{id}"), Some(&admin.access)).await.assert_ok(200);
    app.get(&format!("/orders/{id}"), Some(&bob.access)).await.assert_error(404, "NOT_FOUND");
    app.get("/orders/no-such-order", Some(&ann.access)).await.assert_error(404, "NOT_FOUND");
    app.get(&format!("/orders/{id}"), None).await.assert_error(401, "UNAUTHORIZED");
    app.order("", &[(&lamp, 1)]).await.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn bad_quantities_and_lines_are_422_and_touch_no_stock() {
    let Shop { app, ann, lamp, desk, .. } = shop().await;
    let huge: Value = serde_json::from_str("99999999999999999999999").expect("json");
    for quantity in [json!(0), json!(-1), json!(1.5), json!("2"), json!(1_001), json!(1e12), huge, json!(null)] {
        let body = json!({"items": [{"product_id": lamp, "quantity": quantity}]});
        let res = app.post("/orders", &body, Some(&ann.access)).await;
        let error = res.assert_error(422, "VALIDATION_FAILED");
        assert_eq!(detail_fields(error), ["items[0].quantity"], "quantity {quantity}");
    }

    let cases = [
        (json!({"items": []}), vec!["items"]),
        (json!({}), vec!["items"]),
        (json!({"items": "all of them"}), vec!["items"]),
        (order_body(&[(&lamp, 1), (&desk, 1), (&lamp, 2)]), vec!["items[2].product_id"]),
        (json!({"items": [{"quantity": 1}]}), vec!["items[0].product_id"]),
        (json!({"items": [{"product_id": 12, "quantity": 1}]}), vec!["items[0].product_id"]),
        (json!({"items": [[lamp, 1]]}), vec!["items[0]"]),
    ];
    for (body, fields) in cases {
        let res = app.post("/orders", &body, Some(&ann.access)).await;
        assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), fields, "{body}");
    }

    let many: Vec<(String, i64)> = (0..26).map(|i| (format!("p{i}"), 1)).collect();
    let many: Vec<(&str, i64)> = many.iter().map(|(id, q)| (id.as_str(), *q)).collect();
    let res = app.order(&ann.access, &many).await;
    assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["items"]);

    let res = app
        .send(
            app.http
                .post(app.url("/orders"))
                .bearer_auth(&ann.access)
                .header("content-type", "application/json")
                .body("{\"items\": ["),
        )
        .await;
    res.assert_error(400, "BAD_REQUEST");

    assert_eq!((app.stock_of(&lamp).await, app.stock_of(&desk).await), (10, 3));
    let listed = app.get("/orders", Some(&ann.access)).await;
    assert_eq!(listed.assert_ok(200)["items"], json!([]));
}

#[tokio::test]
async fn an_unknown_product_is_named_and_nothing_is_ordered() {
    let Shop { app, ann, lamp, .. } = shop().await;

    let res = app.order(&ann.access, &[(&lamp, 1), ("no-such-product", 1)]).await;

    let error = res.assert_error(422, "VALIDATION_FAILED");
    assert_eq!(detail_fields(error), ["items[1].product_id"]);
    assert!(error["details"][0]["message"].as_str().expect("message").contains("no-such-product"));
    assert_eq!(app.stock_of(&lamp).await, 10);
}

#[tokio::test]
async fn not_enough_stock_is_409_naming_the_product_and_all_or_nothing() {
    let Shop { app, ann, lamp, desk, .. } = shop().await;

    let res = app.order(&ann.access, &[(&lamp, 2), (&desk, 4)]).await;

    let error = res.assert_error(409, "CONFLICT");
    let message = error["message"].as_str().expect("message");
    assert!(message.contains(&desk) && message.contains("Standing Desk"), "{message}");
    assert_eq!((app.stock_of(&lamp).await, app.stock_of(&desk).await), (10, 3), "no line was taken");

    // Exactly the stock there is: fine, and then there is none.
    app.order(&ann.access, &[(&desk, 3)]).await.assert_ok(201);
    assert_eq!(app.stock_of(&desk).await, 0);
    app.order(&ann.access, &[(&desk, 1)]).await.assert_error(409, "CONFLICT");
}

#[tokio::test]
async fn twenty_five_lines_fit_in_one_order() {
    let app = spawn_app().await;
    let admin = app.user_session("boss", Role::Admin).await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(app.create_product(&admin.access, &format!("Part {i:02}"), 100 + i, 5, "parts").await);
    }
    let lines: Vec<(&str, i64)> = ids.iter().map(|id| (id.as_str(), 2)).collect();

    let res = app.order(&admin.access, &lines).await;

    let order = res.assert_ok(201);
    assert_eq!(order["items"].as_array().expect("items").len(), 25);
    assert_eq!(order["total"], (0..25).map(|i| (100 + i) * 2).sum::<i64>());
    for id in &ids {
        assert_eq!(app.stock_of(id).await, 3);
    }
}

#[tokio::test]
async fn of_twelve_concurrent_orders_for_five_units_exactly_five_succeed() {
    let app = spawn_app().await;
    let admin = app.user_session("boss", Role::Admin).await;
    let product = app.create_product(&admin.access, "Limited Edition", 10_000, 5, "rare").await;
    let mut buyers = Vec::new();
    for i in 0..12 {
        buyers.push(app.user_session(&format!("buyer{i}"), Role::User).await);
    }

    let body = order_body(&[(&product, 1)]);
    let results = join_all(buyers.iter().map(|b| app.post("/orders", &body, Some(&b.access)))).await;

    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
    for res in results.iter().filter(|r| r.status == 409) {
        res.assert_error(409, "CONFLICT");
    }
    assert_eq!(app.stock_of(&product).await, 0);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_without_taking_stock_again() {
    let Shop { app, ann, lamp, desk, .. } = shop().await;
    let body = order_body(&[(&lamp, 2)]);
    let key = [("Idempotency-Key", "checkout-0001")];

    let first = app.post_with_headers("/orders", &body, Some(&ann.access), &key).await;
    let retry = app.post_with_headers("/orders", &body, Some(&ann.access), &key).await;

    let order = first.assert_ok(201);
    assert!(first.headers.get("idempotent-replayed").is_none());
    assert_eq!(retry.assert_ok(201), order);
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(app.stock_of(&lamp).await, 8, "stock taken once");
    let listed = app.get("/orders", Some(&ann.access)).await;
    assert_eq!(listed.assert_ok(200)["items"].as_array().expect("items").len(), 1);

    // The same key for another request is refused, and changes nothing.
    let other = order_body(&[(&desk, 1)]);
    let res = app.post_with_headers("/orders", &other, Some(&ann.access), &key).await;
    assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["Idempotency-Key"]);
    assert_eq!(app.stock_of(&desk).await, 3);

    // Keys are per user: Bob's identical key is his own.
    let bob = app.user_session("bob", Role::User).await;
    let bobs = app.post_with_headers("/orders", &body, Some(&bob.access), &key).await;
    assert_ne!(bobs.assert_ok(201)["id"], order["id"]);
    assert!(bobs.headers.get("idempotent-replayed").is_none());
    assert_eq!(app.stock_of(&lamp).await, 6);

    for bad in ["k".repeat(129), String::new()] {
        let res = app.post_with_headers("/orders", &body, Some(&ann.access), &[("Idempotency-Key", &bad)]).await;
        assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["Idempotency-Key"]);
    }
    assert_eq!(app.stock_of(&lamp).await, 6);
}

/// Issue 11, item 7: a header value that is not ASCII reaches the function
/// (as API Gateway passes it on), so a UTF-8 `Idempotency-Key` is refused
/// rather than lost — and a retry never places a second order.
#[tokio::test]
async fn a_utf8_idempotency_key_is_never_lost_so_a_retry_places_no_second_order() {
    let Shop { app, ann, lamp, .. } = shop().await;
    let body = order_body(&[(&lamp, 1)]);
    let key = [("Idempotency-Key", "commande-née-1")];

    for _ in 0..2 {
        let res = app.post_with_headers("/orders", &body, Some(&ann.access), &key).await;
        assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["Idempotency-Key"]);
    }

    assert_eq!(app.stock_of(&lamp).await, 10, "no stock taken");
    let listed = app.get("/orders", Some(&ann.access)).await;
    assert!(listed.assert_ok(200)["items"].as_array().expect("items").is_empty());
}

#[tokio::test]
async fn concurrent_retries_with_one_key_place_one_order() {
    let Shop { app, ann, lamp, .. } = shop().await;
    let body = order_body(&[(&lamp, 1)]);
    let key = [("Idempotency-Key", "double-click")];

    let results = join_all((0..6).map(|_| app.post_with_headers("/orders", &body, Some(&ann.access), &key))).await;

    let ids: Vec<&Value> = results.iter().map(|r| &r.assert_ok(201)["id"]).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    assert_eq!(app.stock_of(&lamp).await, 9);
}

#[tokio::test]
async fn orders_list_newest_first_per_user_with_status_filter_and_pages() {
    let Shop { app, admin, ann, lamp, .. } = shop().await;
    let bob = app.user_session("bob", Role::User).await;
    let mut ann_ids = Vec::new();
    for _ in 0..5 {
        let res = app.order(&ann.access, &[(&lamp, 1)]).await;
        ann_ids.push(res.assert_ok(201)["id"].as_str().expect("id").to_owned());
    }
    app.order(&bob.access, &[(&lamp, 1)]).await.assert_ok(201);
    app.put(&format!("/orders/{}", ann_ids[1]), &json!({"status": "cancelled"}), Some(&ann.access))
        .await
        .assert_ok(200);

    let pages = app.all_pages("/orders?limit=2", Some(&ann.access)).await;
    let sizes: Vec<_> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 1]);
    let listed: Vec<String> = pages.concat().iter().map(|o| o["id"].as_str().expect("id").to_owned()).collect();
    let newest_first: Vec<String> = ann_ids.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first);

    let cancelled: Vec<Value> = app.all_pages("/orders?status=cancelled&limit=2", Some(&ann.access)).await.concat();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0]["id"], ann_ids[1].as_str());
    let pending: Vec<Value> = app.all_pages("/orders?status=pending", Some(&ann.access)).await.concat();
    assert_eq!(pending.len(), 4);

    // Admins may look at anyone's; users may not even ask.
    let as_admin: Vec<Value> =
        app.all_pages(&format!("/orders?user_id={}", ann.user_id), Some(&admin.access)).await.concat();
    assert_eq!(as_admin.len(), 5);
    let own_as_admin = app.get("/orders", Some(&admin.access)).await;
    assert_eq!(own_as_admin.assert_ok(200)["items"], json!([]));
    app.get(&format!("/orders?user_id={}", bob.user_id), Some(&ann.access)).await.assert_error(403, "FORBIDDEN");
    app.get(&format!("/orders?user_id={}", ann.user_id), Some(&ann.access)).await.assert_error(403, "FORBIDDEN");

    for bad in ["PAID", "lost", ""] {
        let res = app.get(&format!("/orders?status={bad}"), Some(&ann.access)).await;
        assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["status"], "{bad:?}");
    }
}

#[tokio::test]
async fn cursors_are_bound_to_their_user_and_query() {
    let Shop { app, ann, lamp, .. } = shop().await;
    let bob = app.user_session("bob", Role::User).await;
    for _ in 0..3 {
        app.order(&ann.access, &[(&lamp, 1)]).await.assert_ok(201);
    }
    let res = app.get("/orders?limit=1", Some(&ann.access)).await;
    let cursor = res.assert_ok(200)["next_cursor"].as_str().expect("more").to_owned();

    app.get(&format!("/orders?cursor={cursor}"), Some(&bob.access)).await.assert_error(400, "BAD_REQUEST");
    app.get(&format!("/orders?status=pending&cursor={cursor}"), Some(&ann.access))
        .await
        .assert_error(400, "BAD_REQUEST");
    app.get(&format!("/orders/history?cursor={cursor}"), Some(&ann.access)).await.assert_error(400, "BAD_REQUEST");
    app.get("/orders?cursor=Zm9yZ2Vk", Some(&ann.access)).await.assert_error(400, "BAD_REQUEST");
    app.get("/orders/history?cursor=%7B%7D", Some(&ann.access)).await.assert_error(400, "BAD_REQUEST");
    app.get(&format!("/orders?cursor={cursor}"), Some(&ann.access)).await.assert_ok(200);
}

#[tokio::test]
async fn the_status_machine_moves_forward_and_owners_may_only_cancel() {
    let Shop { app, admin, ann, lamp, .. } = shop().await;
    let id = app.order(&ann.access, &[(&lamp, 2)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();
    let path = format!("/orders/{id}");
    let set = |status: &'static str, token: String| {
        let app = &app;
        let path = path.clone();
        async move { app.put(&path, &json!({ "status": status }), Some(&token)).await }
    };

    set("paid", ann.access.clone()).await.assert_error(403, "FORBIDDEN");
    set("shipped", admin.access.clone()).await.assert_error(409, "CONFLICT");
    set("pending", admin.access.clone()).await.assert_error(409, "CONFLICT");
    let paid = set("paid", admin.access.clone()).await;
    assert_eq!(paid.assert_ok(200)["status"], "paid");
    assert!(paid.assert_ok(200)["updated_at"].as_str() >= paid.assert_ok(200)["created_at"].as_str());
    set("shipped", admin.access.clone()).await.assert_ok(200);
    set("cancelled", ann.access.clone()).await.assert_error(409, "CONFLICT");
    set("cancelled", admin.access.clone()).await.assert_error(409, "CONFLICT");
    set("delivered", admin.access.clone()).await.assert_ok(200);
    set("shipped", admin.access.clone()).await.assert_error(409, "CONFLICT");

    let order = app.get(&path, Some(&ann.access)).await;
    assert_eq!(order.assert_ok(200)["status"], "delivered");
    assert_eq!(app.stock_of(&lamp).await, 8, "no restock without a cancellation");

    for bad in
        [json!({"status": "PAID"}), json!({"status": "lost"}), json!({"status": 1}), json!({"status": null}), json!({})]
    {
        let res = app.put(&path, &bad, Some(&admin.access)).await;
        assert_eq!(detail_fields(res.assert_error(422, "VALIDATION_FAILED")), ["status"], "{bad}");
    }
    let bob = app.user_session("bob", Role::User).await;
    set("cancelled", bob.access.clone()).await.assert_error(404, "NOT_FOUND");
    let res = app.put("/orders/no-such-order", &json!({"status": "cancelled"}), Some(&admin.access)).await;
    res.assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn cancelling_restocks_every_line_once_even_under_concurrency() {
    let Shop { app, admin, ann, lamp, desk } = shop().await;
    let id =
        app.order(&ann.access, &[(&lamp, 4), (&desk, 2)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();
    assert_eq!((app.stock_of(&lamp).await, app.stock_of(&desk).await), (6, 1));
    app.put(&format!("/orders/{id}"), &json!({"status": "paid"}), Some(&admin.access)).await.assert_ok(200);

    let tokens = [&ann.access, &admin.access, &ann.access, &admin.access, &ann.access, &admin.access];
    let (path, body) = (format!("/orders/{id}"), json!({"status": "cancelled"}));
    let results = join_all(tokens.iter().map(|t| app.put(&path, &body, Some(t.as_str())))).await;

    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 5, "{statuses:?}");
    assert_eq!((app.stock_of(&lamp).await, app.stock_of(&desk).await), (10, 3), "restocked exactly once");
}

#[tokio::test]
async fn cancelling_after_a_product_was_deleted_restocks_the_rest() {
    let Shop { app, admin, ann, lamp, desk } = shop().await;
    let id =
        app.order(&ann.access, &[(&lamp, 1), (&desk, 1)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();
    app.delete(&format!("/products/{desk}"), Some(&admin.access)).await.assert_ok(200);

    let res = app.put(&format!("/orders/{id}"), &json!({"status": "cancelled"}), Some(&ann.access)).await;

    assert_eq!(res.assert_ok(200)["status"], "cancelled");
    assert_eq!(app.stock_of(&lamp).await, 10);
    app.get(&format!("/products/{desk}"), None).await.assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn history_lists_the_callers_status_changes_newest_first() {
    let Shop { app, admin, ann, lamp, .. } = shop().await;
    let bob = app.user_session("bob", Role::User).await;
    let id = app.order(&ann.access, &[(&lamp, 1)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();
    app.order(&bob.access, &[(&lamp, 1)]).await.assert_ok(201);
    app.put(&format!("/orders/{id}"), &json!({"status": "paid"}), Some(&admin.access)).await.assert_ok(200);
    app.put(&format!("/orders/{id}"), &json!({"status": "cancelled"}), Some(&ann.access)).await.assert_ok(200);

    let pages = app.all_pages("/orders/history?limit=2", Some(&ann.access)).await;

    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1]);
    let changes = pages.concat();
    let moves: Vec<(Value, Value, Value)> =
        changes.iter().map(|c| (c["from"].clone(), c["to"].clone(), c["by"].clone())).collect();
    assert_eq!(
        moves,
        [
            (json!("paid"), json!("cancelled"), json!(ann.user_id)),
            (json!("pending"), json!("paid"), json!(admin.user_id)),
            (Value::Null, json!("pending"), json!(ann.user_id)),
        ]
    );
    assert!(changes.iter().all(|c| c["order_id"] == id.as_str()));
    let keys: Vec<_> = changes[0].as_object().expect("object").keys().cloned().collect();
    assert_eq!(keys, ["order_id", "from", "to", "by", "at"]);
    assert!(changes.windows(2).all(|w| w[0]["at"].as_str() >= w[1]["at"].as_str()));

    let bobs = app.get("/orders/history", Some(&bob.access)).await;
    assert_eq!(bobs.assert_ok(200)["items"].as_array().expect("items").len(), 1);
    let admins = app.get("/orders/history", Some(&admin.access)).await;
    assert_eq!(admins.assert_ok(200)["items"], json!([]), "history is of the caller's own orders");
    app.get("/orders/history", None).await.assert_error(401, "UNAUTHORIZED");
}

/// Issue 11, item 7: a cancellation never restocks a product above
/// `Stock::MAX`, the most the API itself accepts for a stock.
#[tokio::test]
async fn a_cancellation_never_restocks_above_the_stock_maximum() {
    let Shop { app, admin, ann, lamp, .. } = shop().await;
    let max = shared::domain::Stock::MAX;
    let order = app.order(&ann.access, &[(&lamp, 5)]).await;
    let order_id = order.assert_ok(201)["id"].as_str().expect("id").to_owned();
    app.put(&format!("/products/{lamp}"), &json!({"stock": max - 2}), Some(&admin.access)).await.assert_ok(200);

    let res = app.put(&format!("/orders/{order_id}"), &json!({"status": "cancelled"}), Some(&ann.access)).await;

    assert_eq!(res.assert_ok(200)["status"], "cancelled");
    assert_eq!(app.stock_of(&lamp).await, max, "clamped at the maximum, not {}", max + 3);
    // What is stored is a value the API accepts.
    app.put(&format!("/products/{lamp}"), &json!({"stock": app.stock_of(&lamp).await}), Some(&admin.access))
        .await
        .assert_ok(200);
}

/// An order's timeline is every change, whoever made it: the owner sees the
/// admin's moves and the admin sees the owner's, oldest first.
#[tokio::test]
async fn an_order_shows_every_status_change_to_its_owner_and_to_admins() {
    let Shop { app, admin, ann, lamp, .. } = shop().await;
    let id = app.order(&ann.access, &[(&lamp, 1)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();
    let path = format!("/orders/{id}");
    app.put(&path, &json!({"status": "paid"}), Some(&admin.access)).await.assert_ok(200);
    app.put(&path, &json!({"status": "cancelled"}), Some(&ann.access)).await.assert_ok(200);

    for token in [&ann.access, &admin.access] {
        let order = app.get(&path, Some(token)).await.assert_ok(200).clone();
        let moves: Vec<(Value, Value, Value)> = order["history"]
            .as_array()
            .expect("history")
            .iter()
            .map(|c| (c["from"].clone(), c["to"].clone(), c["by"].clone()))
            .collect();
        assert_eq!(
            moves,
            [
                (json!(null), json!("pending"), json!(ann.user_id)),
                (json!("pending"), json!("paid"), json!(admin.user_id)),
                (json!("paid"), json!("cancelled"), json!(ann.user_id)),
            ]
        );
        assert_eq!(order["status"], "cancelled");
    }
}

/// `GET /orders/all?status=`: every user's orders now in that status, newest
/// first, paginated; an order moves between the listings as its status
/// changes; admins only.
#[tokio::test]
async fn admins_list_every_order_in_a_status_across_users() {
    let Shop { app, admin, ann, lamp, desk } = shop().await;
    let bob = app.user_session("bob", Role::User).await;
    let mut ids = Vec::new();
    for (token, product) in [(&ann.access, &lamp), (&bob.access, &desk), (&ann.access, &desk)] {
        let id = app.order(token, &[(product, 1)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();
        app.put(&format!("/orders/{id}"), &json!({"status": "paid"}), Some(&admin.access)).await.assert_ok(200);
        ids.push(id);
    }
    let pending = app.order(&bob.access, &[(&lamp, 1)]).await.assert_ok(201)["id"].as_str().expect("id").to_owned();

    let ids_of = |pages: Vec<Vec<Value>>| -> Vec<String> {
        pages.into_iter().flatten().map(|o| o["id"].as_str().expect("id").to_owned()).collect()
    };
    let paid = ids_of(app.all_pages("/orders/all?status=paid&limit=2", Some(&admin.access)).await);
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(paid, newest_first, "every paid order, whoever placed it, newest first, over pages");
    assert_eq!(ids_of(app.all_pages("/orders/all?status=pending", Some(&admin.access)).await), [pending]);

    // shipping one moves it from "paid" to "shipped"
    app.put(&format!("/orders/{}", ids[0]), &json!({"status": "shipped"}), Some(&admin.access)).await.assert_ok(200);
    assert_eq!(ids_of(app.all_pages("/orders/all?status=shipped", Some(&admin.access)).await), [ids[0].clone()]);
    assert_eq!(ids_of(app.all_pages("/orders/all?status=paid", Some(&admin.access)).await), newest_first[..2]);

    // a cursor of one status cannot be replayed on another
    let first = app.get("/orders/all?status=paid&limit=1", Some(&admin.access)).await.assert_ok(200).clone();
    let cursor = first["next_cursor"].as_str().expect("more");
    app.get(&format!("/orders/all?status=pending&cursor={cursor}"), Some(&admin.access))
        .await
        .assert_error(400, "BAD_REQUEST");

    for bad in ["/orders/all", "/orders/all?status=lost", "/orders/all?status="] {
        let error = app.get(bad, Some(&admin.access)).await.assert_error(422, "VALIDATION_FAILED").clone();
        assert_eq!(detail_fields(&error), ["status"], "{bad}");
    }
    app.get("/orders/all?status=paid", Some(&ann.access)).await.assert_error(403, "FORBIDDEN");
    app.get("/orders/all?status=paid", None).await.assert_error(401, "UNAUTHORIZED");
}
